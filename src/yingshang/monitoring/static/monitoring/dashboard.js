/* Charts of the monitoring dashboards (ECharts, vendored). No data stays empty, never 0.
 *
 * monitoringCharts(data, dark, labels, geojson)
 *   data     the dashboard JSON (monitoring.dashboard.dashboard)
 *   labels   translated titles {trend, counties, county_map, ranking, no_data, schematic}
 *   geojson  the city's county boundaries when [map] geojson is configured, else null
 */
var MONITORING_COLOURS = ['#d94e5d', '#eac736', '#50a3ba'];  // worst → best

function monitoringColour(value, min, max, lowerIsBetter) {
  if (value === null || value === undefined) return null;
  var t = max > min ? (value - min) / (max - min) : 1;
  if (lowerIsBetter) t = 1 - t;
  var stops = MONITORING_COLOURS.map(function (hex) {
    return [1, 3, 5].map(function (i) { return parseInt(hex.substr(i, 2), 16); });
  });
  var pos = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  var i = Math.min(Math.floor(pos), stops.length - 2), f = pos - i;
  var rgb = stops[i].map(function (c, k) { return Math.round(c + (stops[i + 1][k] - c) * f); });
  return 'rgb(' + rgb.join(',') + ')';
}

function monitoringFmt(value, labels) {
  return value === null || value === undefined ? labels.no_data : value.toFixed(2);
}

function monitoringCharts(data, dark, labels, geojson) {
  labels = labels || {trend: '趋势', counties: '各县(市、区)', county_map: '各县(市、区)得分图',
                      ranking: '部门排名', no_data: '无数据', schematic: ''};
  var theme = dark ? 'dark' : null;
  var bg = dark ? 'transparent' : null;
  var lower = data.indicator_direction === 'lower';
  var drawn = [];
  function chart(id, renderer) {
    var el = document.getElementById(id);
    var c = el ? echarts.init(el, theme, renderer ? {renderer: renderer} : undefined) : null;
    if (c) drawn.push(c);
    return c;
  }
  // the charts follow their boxes (the 大屏's grid is a share of the window)
  window.addEventListener('resize', function () { drawn.forEach(function (c) { c.resize(); }); });
  var t = chart('chart-trend');
  if (t) t.setOption({
    backgroundColor: bg,
    title: {text: labels.trend + ' · ' + data.indicator_name},
    tooltip: {trigger: 'axis'},
    xAxis: {type: 'category', data: data.trend.map(function (p) { return p.period; })},
    yAxis: {type: 'value'},
    series: [{type: 'line', connectNulls: false, data: data.trend.map(function (p) { return p.value; })}]
  });
  var vals = data.counties.map(function (d) { return d.value; }).filter(function (v) { return v !== null; });
  var vmin = vals.length ? Math.min.apply(null, vals) : 0;
  var vmax = vals.length ? Math.max.apply(null, vals) : 100;
  var c = chart('chart-counties');
  if (c && data.counties.length) {
    c.setOption({
      backgroundColor: bg,
      title: {text: labels.counties + ' · ' + data.indicator_name},
      tooltip: {formatter: function (p) { return p.name + ': ' + monitoringFmt(p.value, labels); }},
      grid: {left: 90, bottom: 30},
      xAxis: {type: 'value'},
      yAxis: {type: 'category', data: data.counties.map(function (d) { return d.name; })},
      series: [{type: 'bar', data: data.counties.map(function (d) {
        return {value: d.value, itemStyle: {color: monitoringColour(d.value, vmin, vmax, lower) || '#999'}};
      })}]
    });
  }
  var m = data.county_map ? chart('chart-county-map', 'svg') : null;
  if (m && data.county_map.type === 'tiles') {
    var tiles = data.county_map.tiles;
    var cols = Math.max.apply(null, tiles.map(function (d) { return d.x; })) + 1;
    var rows = Math.max.apply(null, tiles.map(function (d) { return d.y; })) + 1;
    var range = function (n) { var a = []; for (var i = 0; i < n; i++) a.push(String(i)); return a; };
    m.setOption({
      backgroundColor: bg,
      title: {text: labels.county_map + ' · ' + data.indicator_name, subtext: labels.schematic},
      tooltip: {formatter: function (p) { return p.data.name + ': ' + monitoringFmt(p.data.raw, labels); }},
      grid: {left: 10, right: 10, top: 60, bottom: 10},
      xAxis: {type: 'category', data: range(cols), show: false},
      yAxis: {type: 'category', data: range(rows), inverse: true, show: false},
      series: [{
        type: 'custom',
        data: tiles.map(function (d) {
          return {value: [d.x, d.y], name: d.name, code: d.code, raw: d.value,
                  colour: monitoringColour(d.value, vmin, vmax, lower)};
        }),
        renderItem: function (params, api) {
          var d = params.dataIndex, item = tiles[d];
          var centre = api.coord([api.value(0), api.value(1)]);
          var size = api.size([1, 1]);
          var w = size[0] - 6, h = size[1] - 6;
          var colour = monitoringColour(item.value, vmin, vmax, lower) || (dark ? '#33435a' : '#d8dde3');
          var ink = dark && (item.value === null || item.value === undefined) ? '#c5d3e3' : '#1b1f24';
          var px = Math.max(9, Math.min(13, Math.floor((w - 8) / Math.max(item.name.length, 1))));
          return {
            type: 'group',
            children: [
              {type: 'rect', shape: {x: centre[0] - w / 2, y: centre[1] - h / 2, width: w, height: h, r: 6},
               style: {fill: colour, stroke: dark ? '#061a33' : '#fff', lineWidth: 2}},
              {type: 'text', style: {x: centre[0], y: centre[1] - 9, text: item.name, align: 'center',
                                      verticalAlign: 'middle', fill: ink, font: 'bold ' + px + 'px sans-serif'}},
              {type: 'text', style: {x: centre[0], y: centre[1] + 10, text: monitoringFmt(item.value, labels),
                                      align: 'center', verticalAlign: 'middle', fill: ink, font: '12px sans-serif'}}
            ]
          };
        }
      }]
    });
  } else if (m && data.county_map.type === 'geojson' && geojson) {
    echarts.registerMap('yingshang-counties', geojson);
    var byCode = {};
    data.counties.forEach(function (d) { byCode[d.code] = d; });
    m.setOption({
      backgroundColor: bg,
      title: {text: labels.county_map + ' · ' + data.indicator_name},
      tooltip: {formatter: function (p) { var d = byCode[p.name]; return (d ? d.name : p.name) + ': ' + monitoringFmt(d ? d.value : null, labels); }},
      visualMap: {min: vmin, max: vmax, inRange: {color: lower ? MONITORING_COLOURS.slice().reverse() : MONITORING_COLOURS},
                  orient: 'horizontal', left: 'center', bottom: 0, calculable: false},
      series: [{
        type: 'map', map: 'yingshang-counties', nameProperty: geojson.features[0].properties.code !== undefined ? 'code' : 'adcode',
        roam: false, itemStyle: {areaColor: dark ? '#33435a' : '#d8dde3'},
        label: {show: true, formatter: function (p) { var d = byCode[p.name]; return d ? d.name + '\n' + monitoringFmt(d.value, labels) : ''; }},
        data: data.counties.map(function (d) { return {name: d.code, value: d.value === null ? '-' : d.value}; })
      }]
    });
  }
  var r = chart('chart-ranking');
  if (r) r.setOption({
    backgroundColor: bg,
    title: {text: labels.ranking + ' · ' + data.indicator_name},
    tooltip: {},
    grid: {left: 160},
    xAxis: {type: 'value'},
    yAxis: {type: 'category', inverse: true, data: data.ranking.map(function (d) { return d.name; })},
    series: [{type: 'bar', data: data.ranking.map(function (d) { return d.value; })}]
  });
}
