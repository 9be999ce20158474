// Copies the front-end packages the pages use into webapp/static/vendor (served by Flask).
import { cpSync, mkdirSync } from "node:fs";

const out = "webapp/static/vendor";
mkdirSync(out, { recursive: true });
const copies = [
  ["node_modules/bootstrap/dist/css/bootstrap.min.css", `${out}/bootstrap.min.css`],
  ["node_modules/bootstrap/dist/js/bootstrap.bundle.min.js", `${out}/bootstrap.bundle.min.js`],
  ["node_modules/bootstrap-icons/font/bootstrap-icons.min.css", `${out}/bootstrap-icons.min.css`],
  ["node_modules/bootstrap-icons/font/fonts", `${out}/fonts`],
  ["node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js", `${out}/bpmn-navigated-viewer.min.js`],
  ["node_modules/bpmn-js/dist/bpmn-modeler.production.min.js", `${out}/bpmn-modeler.min.js`],
  ["node_modules/bpmn-js/dist/assets", `${out}/bpmn-js`],
];
for (const [from, to] of copies) {
  cpSync(from, to, { recursive: true });
}
console.log(`assets copied to ${out}`);
