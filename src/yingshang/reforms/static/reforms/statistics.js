// 统计 charts of a reform programme; the data come from the page's json_script "chart-data".
(function () {
  "use strict";
  var d = JSON.parse(document.getElementById('chart-data').textContent);
  var rev = function (a) { return a.slice().reverse(); };
  echarts.init(document.getElementById('chart-led')).setOption({
    grid: {left: 180}, tooltip: {}, xAxis: {type: 'value'}, yAxis: {type: 'category', data: rev(d.units)},
    series: [{type: 'bar', data: rev(d.led), label: {show: true, position: 'right'}}]});
  echarts.init(document.getElementById('chart-rates')).setOption({
    grid: {left: 180}, tooltip: {trigger: 'axis'}, legend: {}, xAxis: {type: 'value', max: 100}, yAxis: {type: 'category', data: rev(d.units)},
    series: [{name: d.labels.completion, type: 'bar', data: rev(d.completion)}, {name: d.labels.on_time, type: 'bar', data: rev(d.on_time)}]});
  echarts.init(document.getElementById('chart-leaders')).setOption({
    tooltip: {trigger: 'axis'}, legend: {}, xAxis: {type: 'category', data: d.leaders}, yAxis: {type: 'value', max: 100},
    series: [{name: d.labels.completion, type: 'bar', data: d.leader_completion}, {name: d.labels.on_time, type: 'bar', data: d.leader_on_time}]});
  echarts.init(document.getElementById('chart-states')).setOption({
    tooltip: {}, series: [{type: 'pie', radius: '65%', data: d.states}]});
})();
