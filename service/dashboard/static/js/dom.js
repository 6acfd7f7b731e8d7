// Tiny element builders: HTML and SVG nodes with attributes and children, never innerHTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of [].concat(children ?? [])) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const h = (name, attrs, children) => build(document.createElement(name), attrs, children);
export const s = (name, attrs, children) => build(document.createElementNS(SVG_NS, name), attrs, children);
