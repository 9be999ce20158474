// Copies the front-end packages the pages use into webapp/static/vendor (served by Flask) and bundles the
// browser modeler (bpmn-js + properties panel + bpmnlint + our extensions in webapp/static/modeler/) with esbuild.
import { cpSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

const out = "webapp/static/vendor";
mkdirSync(out, { recursive: true });
const copies = [
  ["node_modules/bootstrap/dist/css/bootstrap.min.css", `${out}/bootstrap.min.css`],
  ["node_modules/bootstrap/dist/js/bootstrap.bundle.min.js", `${out}/bootstrap.bundle.min.js`],
  ["node_modules/bootstrap-icons/font/bootstrap-icons.min.css", `${out}/bootstrap-icons.min.css`],
  ["node_modules/bootstrap-icons/font/fonts", `${out}/fonts`],
  ["node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js", `${out}/bpmn-navigated-viewer.min.js`],
  ["node_modules/bpmn-js/dist/assets", `${out}/bpmn-js`],
  ["node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css", `${out}/properties-panel.css`],
  ["node_modules/bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css", `${out}/bpmn-js-bpmnlint.css`],
  ["node_modules/echarts/dist/echarts.min.js", `${out}/echarts.min.js`],
];
for (const [from, to] of copies) {
  cpSync(from, to, { recursive: true });
}
await build({
  entryPoints: ["webapp/static/modeler/index.js"],
  outfile: `${out}/xiayi-modeler.js`,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  jsx: "automatic",
  jsxImportSource: "@bpmn-io/properties-panel/preact",
  loader: { ".js": "jsx" },
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "none",
  logLevel: "warning",
});
console.log(`assets copied and the modeler bundled to ${out}`);
