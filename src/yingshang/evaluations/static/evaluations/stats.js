// The public 好差评 page's charts (ECharts, vendored): the month's ranking of departments by
// 好评率 and the year's trend. The figures are also on the page as a list and a table.
(function () {
  "use strict";
  var el = document.getElementById("ev-chart-data");
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.textContent);
  var charts = [];
  var narrow = window.matchMedia("(max-width: 480px)").matches;
  var rankEl = document.getElementById("chart-ranking");
  if (rankEl && data.ranking.length) {
    var rows = data.ranking.slice().reverse(); // best on top
    rankEl.style.height = Math.max(200, rows.length * 34 + 60) + "px";
    var rank = echarts.init(rankEl);
    rank.setOption({
      grid: { left: 8, right: 48, top: 10, bottom: 24, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", min: 0, max: 100, name: "%" },
      yAxis: {
        type: "category",
        data: rows.map(function (r) { return r.name; }),
        axisLabel: { width: narrow ? 90 : 180, overflow: "truncate" },
      },
      series: [{
        type: "bar",
        name: data.labels.rate,
        data: rows.map(function (r) { return r.rate; }),
        barMaxWidth: 28,
        label: { show: true, position: "right", formatter: "{c}%" },
        itemStyle: { color: "#c62828" },
      }],
    });
    charts.push(rank);
  }
  var trendEl = document.getElementById("chart-trend");
  if (trendEl && data.trend.length) {
    var trend = echarts.init(trendEl);
    trend.setOption({
      grid: { left: 8, right: 8, top: 40, bottom: 24, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      xAxis: { type: "category", data: data.trend.map(function (t) { return t.month.slice(5); }) },
      yAxis: [
        { type: "value", min: 0, max: 100, name: "%" },
        { type: "value", name: data.labels.total, splitLine: { show: false } },
      ],
      series: [
        {
          type: "line", name: data.labels.rate, smooth: true, yAxisIndex: 0,
          data: data.trend.map(function (t) { return t.rate; }), itemStyle: { color: "#c62828" },
        },
        {
          type: "bar", name: data.labels.total, yAxisIndex: 1, barMaxWidth: 24,
          data: data.trend.map(function (t) { return t.total; }), itemStyle: { color: "#90a4ae" },
        },
      ],
    });
    charts.push(trend);
  }
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
