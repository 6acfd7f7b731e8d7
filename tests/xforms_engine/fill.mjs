// Fill XForms in ODK Web Forms' engine (@getodk/xforms-engine) and print what it makes of them.
// usage: node fill.mjs CASES.json, where CASES = {name: {"form": "F.xml", "answers": {ref: value},
//                                                       "attachments"?: {"file.csv": "path"}}}
// prints {name: {"status", "violations": [references], "relevant": {reference: bool}, "instance"}}
import { JSDOM } from "jsdom";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";

const require = createRequire(import.meta.url);
const engineEntry = require.resolve("@getodk/xforms-engine");
// The engine's bundled tree-sitter (Emscripten) looks these up as CommonJS globals.
Object.assign(globalThis, { require, __dirname: dirname(engineEntry), __filename: engineEntry });
const { window } = new JSDOM("");
globalThis.document ??= window.document;
for (const name of ["DOMParser", "XMLSerializer", "Node", "Element", "Document", "XMLDocument",
                    "Attr", "Text", "NodeFilter", "XPathResult", "DOMException"]) {
  globalThis[name] ??= window[name];
}
const { createInstance } = await import("@getodk/xforms-engine");

function nodes(node, found = new Map()) {
  found.set(node.currentState.reference, node);
  for (const child of node.currentState.children ?? []) nodes(child, found);
  return found;
}

// Form attachments (`jr://file-csv/NAME`) are read from the files the case names.
function attachmentFetcher(attachments = {}) {
  return async (url) => {
    const name = String(url).split("/").pop();
    if (!(name in attachments)) return { ok: false, status: 404, text: async () => "", blob: async () => new Blob([]) };
    const text = readFileSync(attachments[name], "utf8");
    return { ok: true, status: 200, text: async () => text, blob: async () => new Blob([text]) };
  };
}

async function fill(form, answers, attachments) {
  const options = { form: { fetchFormAttachment: attachmentFetcher(attachments) } };
  const { root } = await createInstance(readFileSync(form, "utf8"), options);
  for (const [reference, value] of Object.entries(answers)) {
    const node = nodes(root).get(reference);
    if (node === undefined) throw new Error(`no question ${reference}`);
    if (node.nodeType === "select") node.selectValue(value);
    else node.setValue(node.valueType === "int" ? BigInt(value) : value);
  }
  const relevant = {};
  for (const [reference, node] of nodes(root)) relevant[reference] = node.currentState.relevant;
  const payload = await root.prepareInstancePayload();
  const violations = (payload.violations ?? []).map((violation) => violation.reference);
  const instance = await payload.data[0].get("xml_submission_file").text();
  return { status: payload.status, violations, relevant, instance };
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = {};
for (const [name, { form, answers, attachments }] of Object.entries(cases)) {
  results[name] = await fill(form, answers, attachments);
}
console.log(JSON.stringify(results));
