/* Charts of the monitoring dashboards (ECharts, vendored). No data stays empty, never 0. */
function monitoringCharts(data, dark) {
  var theme = dark ? 'dark' : null;
  var bg = dark ? 'transparent' : null;
  function chart(id) {
    var el = document.getElementById(id);
    return el ? echarts.init(el, theme) : null;
  }
  var t = chart('chart-trend');
  if (t) t.setOption({
    backgroundColor: bg,
    title: {text: '趋势 · ' + data.indicator_name},
    tooltip: {trigger: 'axis'},
    xAxis: {type: 'category', data: data.trend.map(function (p) { return p.period; })},
    yAxis: {type: 'value'},
    series: [{type: 'line', connectNulls: false, data: data.trend.map(function (p) { return p.value; })}]
  });
  var c = chart('chart-counties');
  if (c && data.counties.length) {
    var vals = data.counties.map(function (d) { return d.value; }).filter(function (v) { return v !== null; });
    c.setOption({
      backgroundColor: bg,
      title: {text: '各县(市、区) · ' + data.indicator_name},
      tooltip: {formatter: function (p) { return p.name + ': ' + (p.value === null || p.value === undefined ? '无数据' : p.value.toFixed(2)); }},
      visualMap: {min: vals.length ? Math.min.apply(null, vals) : 0, max: vals.length ? Math.max.apply(null, vals) : 100,
                  dimension: 0, inRange: {color: ['#d94e5d', '#eac736', '#50a3ba']}, orient: 'horizontal', left: 'center', bottom: 0},
      grid: {left: 90, bottom: 60},
      xAxis: {type: 'value'},
      yAxis: {type: 'category', data: data.counties.map(function (d) { return d.name; })},
      series: [{type: 'bar', data: data.counties.map(function (d) { return d.value; })}]
    });
  }
  var r = chart('chart-ranking');
  if (r) r.setOption({
    backgroundColor: bg,
    title: {text: '部门排名 · ' + data.indicator_name},
    tooltip: {},
    grid: {left: 160},
    xAxis: {type: 'value'},
    yAxis: {type: 'category', inverse: true, data: data.ranking.map(function (d) { return d.name; })},
    series: [{type: 'bar', data: data.ranking.map(function (d) { return d.value; })}]
  });
}
