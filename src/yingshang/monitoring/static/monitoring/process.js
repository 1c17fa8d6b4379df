// The directly-follows graph of the process page; data from the json_script "dfg-data".
(function () {
  "use strict";
  var d = JSON.parse(document.getElementById('dfg-data').textContent);
  if (!d.nodes.length) return;
  echarts.init(document.getElementById('chart-dfg')).setOption({
    tooltip: {},
    series: [{type: 'graph', layout: 'circular', roam: true, label: {show: true},
      edgeSymbol: ['none', 'arrow'], edgeLabel: {show: true, formatter: function (p) { return p.data.value; }},
      data: d.nodes.map(function (n) { return {name: n, symbolSize: 40}; }),
      links: d.links, lineStyle: {curveness: 0.2}}]
  });
})();
