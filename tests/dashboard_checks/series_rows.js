// Every round's row the series view shows, chart or table: indicator, domain code (empty for the
// province), round, state, its words (tooltips included) less its area and round names and its
// interview count, and how many marks or bars it draws; and every change statement: indicator,
// code, the round it reaches, its kind and words. Run by WebDriver.
const rows = [];
const changes = [];
for (const card of document.querySelectorAll("section.indicator")) {
  const indicator = card.dataset.indicator;
  for (const row of card.querySelectorAll("g.series-row")) {
    const label = row.querySelector(".round-label")?.textContent ?? "";
    rows.push({
      indicator, code: row.dataset.code, round: row.dataset.round, state: row.dataset.reliability,
      words: row.textContent.replace(label, ""),
      marks: row.querySelectorAll("rect, circle, path, .row-value").length,
    });
  }
  for (const row of card.querySelectorAll("tr[data-round]")) {
    const cells = [...row.querySelectorAll("td")].filter((cell) => !cell.classList.contains("change-cell"));
    rows.push({
      indicator, code: row.dataset.code, round: row.dataset.round,
      state: [...row.classList].find((c) => c.startsWith("rel-")).slice(4),
      words: [cells[0], cells[1], ...cells.slice(3)].map((cell) => cell.textContent).join(" | "), marks: 0,
    });
  }
  const statements = [
    ...[...card.querySelectorAll("g.series-group")].flatMap((group) => [...group.querySelectorAll("g.change")]
      .map((node) => ({ code: group.dataset.code, node }))),
    ...[...card.querySelectorAll("td.change-cell")].flatMap((cell) => [...cell.querySelectorAll("[data-to]")]
      .map((node) => ({ code: cell.dataset.code, node }))),
    ...[...card.querySelectorAll(".summary [data-to]")].map((node) => ({ code: "", node })),
  ];
  for (const { code, node } of statements) {
    changes.push({
      indicator, code, to: node.dataset.to, kind: node.dataset.kind,
      words: node.querySelector(".change-sentence")?.textContent
        ?? [...node.querySelectorAll("text")].map((text) => text.textContent).join(" "),
    });
  }
}
return { rows, changes };
