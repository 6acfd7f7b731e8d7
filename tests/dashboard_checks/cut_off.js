// What is cut off: every label-like element whose text overflows its box, every select option
// wider than its select (measured in the select's font), every chart text outside its chart.
// Run by WebDriver; returns a list of descriptions.
const cut = [];
const visible = (el) => el.getClientRects().length > 0 && !el.closest(".visually-hidden");
for (const el of document.querySelectorAll(
    "label, legend, button, summary, h1, h2, h3, p, th, td, span, li, a")) {
  if (visible(el) && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== "inline")
    cut.push(`${el.tagName} "${el.textContent.trim().slice(0, 60)}" ${el.scrollWidth}>${el.clientWidth}`);
}
const ctx = document.createElement("canvas").getContext("2d");
for (const select of document.querySelectorAll("select")) {
  if (!visible(select)) continue;
  const style = getComputedStyle(select);
  ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
  for (const option of select.options) {
    const width = ctx.measureText(option.text).width;
    if (width > room) cut.push(`option "${option.text}" ${Math.round(width)}>${room}`);
  }
}
for (const svg of document.querySelectorAll("svg.chart")) {
  const width = svg.width.baseVal.value;
  for (const text of svg.querySelectorAll("text")) {
    const box = text.getBBox();
    if (box.x < -0.5 || box.x + box.width > width + 0.5)
      cut.push(`chart text "${text.textContent}" ${Math.round(box.x)}..${Math.round(box.x + box.width)} of ${width}`);
  }
}
return cut;
