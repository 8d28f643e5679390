/*
 * The flow report's chart: the median minutes of each stage per band and per
 * doctor, drawn from the report's table (which stays, for screen readers and
 * pages without JavaScript). Chart JS from npm is loaded before this as a
 * classic script (its UMD build), as for the pets' weight chart.
 */

const COLOURS = ["#0d6efd", "#fd7e14", "#198754"];

function draw() {
  const figure = document.querySelector("[data-flow-chart]");
  const table = document.querySelector("[data-testid=flow-table]");
  if (!figure || !table || !window.Chart) {
    return;
  }
  const stages = Array.from(table.querySelectorAll("thead th[data-stage]"), (th) => th.dataset.label);
  const rows = Array.from(table.querySelectorAll("tbody tr[data-group]"));
  if (rows.length === 0) {
    return;
  }
  const datasets = stages.map((label, index) => ({
    label: label,
    backgroundColor: COLOURS[index % COLOURS.length],
    data: rows.map((row) => {
      const cell = row.querySelectorAll("td[data-median]")[index];
      return cell && cell.dataset.median !== "" ? Number(cell.dataset.median) : null;
    }),
  }));
  figure.hidden = false;
  new window.Chart(figure.querySelector("canvas"), {
    type: "bar",
    data: { labels: rows.map((row) => row.querySelector("th").textContent), datasets: datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, title: { display: true, text: gettext("Median minutes") } } },
    },
  });
}

draw();
