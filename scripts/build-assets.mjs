// Copies the front-end packages the pages use into webapp/static/vendor (served by Flask).
import { cpSync, mkdirSync } from "node:fs";

const out = "webapp/static/vendor";
mkdirSync(out, { recursive: true });
const copies = [
  ["node_modules/bootstrap/dist/css/bootstrap.min.css", `${out}/bootstrap.min.css`],
  ["node_modules/bootstrap/dist/js/bootstrap.bundle.min.js", `${out}/bootstrap.bundle.min.js`],
  ["node_modules/bootstrap-icons/font/bootstrap-icons.min.css", `${out}/bootstrap-icons.min.css`],
  ["node_modules/bootstrap-icons/font/fonts", `${out}/fonts`],
];
for (const [from, to] of copies) {
  cpSync(from, to, { recursive: true });
}
console.log(`assets copied to ${out}`);
