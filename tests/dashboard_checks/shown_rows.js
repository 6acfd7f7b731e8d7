// Every row the page shows, chart, table or commune map: its indicator, domain code (empty for the province),
// state, all its words (tooltips included) less its name and interview count, and how many
// marks or bars it draws. Run by WebDriver.
const rows = [];
for (const card of document.querySelectorAll("section.indicator")) {
  const indicator = card.dataset.indicator;
  for (const row of card.querySelectorAll("g.row")) {
    const name = row.querySelector(".row-name")?.textContent ?? "";
    rows.push({
      indicator, code: row.dataset.code, state: row.dataset.reliability,
      words: row.textContent.replaceAll(name, ""),
      marks: row.querySelectorAll("rect, circle, path, .row-value").length,
    });
  }
  for (const row of card.querySelectorAll("tbody tr")) {
    if (row.closest("figure.commune-map")) continue; // the map's rows come below
    const cells = [...row.cells].map((cell) => cell.textContent);
    rows.push({
      indicator, code: row.dataset.code, state: [...row.classList].find((c) => c.startsWith("rel-")).slice(4),
      words: [cells[1], cells[2], ...cells.slice(4)].join(" | "), marks: 0,
    });
  }
  // the commune map (design §14a): its table rows and its shapes' words, state `map-<source>`
  for (const row of card.querySelectorAll("figure.commune-map tr[data-code]")) {
    rows.push({
      indicator, code: row.dataset.code, state: `map-${row.dataset.source}`,
      words: row.textContent.replaceAll(row.cells[0].textContent, ""), marks: 0,
    });
  }
  for (const shape of card.querySelectorAll("figure.commune-map path.commune")) {
    rows.push({
      indicator, code: shape.dataset.code, state: `map-${shape.dataset.source}`,
      words: `${shape.getAttribute("aria-label")} | ${shape.textContent}`, marks: 0,
    });
  }
  rows.push({ indicator, code: "summary", state: "summary", words: card.querySelector(".summary")?.textContent ?? "", marks: 0 });
}
return rows;
