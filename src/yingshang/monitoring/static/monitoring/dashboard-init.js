// Draws the dashboard (or, with data-screen="1" on this script tag, the 大屏) from the page's
// json_script blocks.
(function () {
  "use strict";
  var screen = document.currentScript && document.currentScript.getAttribute("data-screen") === "1";
  function j(id) { return JSON.parse(document.getElementById(id).textContent); }
  monitoringCharts(j('monitoring-data'), screen, j('monitoring-labels'), j('monitoring-geojson'));
})();
