/*
 * The weight chart of a pet's record, drawn from the table below it (the
 * table stays: it is what screen readers and pages without JavaScript use).
 * The chart library is Chart JS from npm, served with the other npm
 * libraries (STATICFILES_DIRS) and loaded before this as a classic script
 * (its UMD build: the ES build imports a bare module name browsers cannot
 * resolve). Owner-reported weights are hollow points. Redrawn when the
 * record's live region is refreshed.
 */

const charts = new WeakMap();

function readRows(table) {
  return Array.from(table.querySelectorAll("tbody tr[data-kg]"), (row) => ({
    label: row.querySelector("time").textContent,
    kg: Number(row.dataset.kg),
    owner: row.dataset.ownerReported === "1",
  }));
}

function draw() {
  const figure = document.querySelector("[data-weight-chart]");
  const table = document.querySelector("[data-weight-table]");
  if (!figure || !table || !window.Chart) {
    return;
  }
  const canvas = figure.querySelector("canvas");
  const rows = readRows(table);
  const previous = charts.get(canvas);
  if (previous) {
    previous.destroy();
  }
  figure.hidden = false;
  const chart = new window.Chart(canvas, {
    type: "line",
    data: {
      labels: rows.map((row) => row.label),
      datasets: [
        {
          label: gettext("Weight (kg)"),
          data: rows.map((row) => row.kg),
          borderColor: "#0d6efd",
          backgroundColor: rows.map((row) => (row.owner ? "#ffffff" : "#0d6efd")),
          pointBorderColor: "#0d6efd",
          pointRadius: 5,
          tension: 0.2,
        },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            afterLabel: (item) => (rows[item.dataIndex].owner ? gettext("Reported by the owner") : ""),
          },
        },
      },
      scales: { y: { title: { display: true, text: gettext("kg") } } },
    },
  });
  charts.set(canvas, chart);
}

draw();
document.addEventListener("live:refreshed", draw);
