// The focus ring's contrast: the outline colour against what lies just outside the focused
// element (WCAG 1.4.11 asks 3:1). Run by WebDriver; returns {id, style, width, ratio}.
const el = document.activeElement;
const parse = (c) => c.match(/[\d.]+/g).map(Number);
const lum = ([r, g, b]) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const backgroundAt = (x, y) => {
  for (let node = document.elementFromPoint(x, y); node; node = node.parentElement) {
    if (node === el) continue;
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
  }
  return [255, 255, 255];
};
const style = getComputedStyle(el);
const rect = el.getBoundingClientRect();
const gap = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth) + 2;
const ring = lum(parse(style.outlineColor));
const back = lum(backgroundAt(Math.max(rect.left - gap, 0), rect.top + rect.height / 2));
return {
  id: el.id || el.tagName, style: style.outlineStyle, width: parseFloat(style.outlineWidth),
  ratio: (Math.max(ring, back) + 0.05) / (Math.min(ring, back) + 0.05),
};
