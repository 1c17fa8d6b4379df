// 我的导出 (core/exports.html): every unfinished export row polls its JSON status URL
// (data-export-poll) and updates its status, progress bar and row count; a finished export
// shows its download link. A static file: the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  var script = document.currentScript;
  var downloadText = (script && script.getAttribute("data-download")) || "下载";

  function update(row, s) {
    var status = row.querySelector("[data-export-status]");
    var bar = row.querySelector("[data-export-progress]");
    var rows = row.querySelector("[data-export-rows]");
    var error = row.querySelector("[data-export-error]");
    var file = row.querySelector("[data-export-file]");
    if (status) status.textContent = s.status_label;
    if (bar) { bar.value = s.percent; bar.textContent = s.percent + "%"; }
    if (rows && s.rows_total !== null) rows.textContent = s.rows_done + " / " + s.rows_total;
    if (error) error.textContent = s.error ? " " + s.error : "";
    if (file && s.download_url && !file.querySelector("a")) {
      var a = document.createElement("a");
      a.href = s.download_url;
      a.textContent = downloadText + " " + s.filename;
      a.setAttribute("data-testid", "download-" + s.id);
      file.insertBefore(a, file.firstChild);
    }
    row.setAttribute("data-export-state", s.status);
  }

  function poll(row, delay) {
    var url = row.getAttribute("data-export-poll");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) {
        update(row, s);
        if (!s.finished) {
          window.setTimeout(function () { poll(row, Math.min(delay * 1.5, 5000)); }, delay);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(row, 5000); }, 5000);
      });
  }

  document.querySelectorAll("[data-export-poll]").forEach(function (row) {
    poll(row, 1000);
  });
})();
