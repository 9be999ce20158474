// 督导考核统计: draws each chart from the JSON the page carries (the same figures as the table under it), as SVG,
// and redraws on resize so the page works on a phone.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") return;
  var charts = JSON.parse(source.dataset.charts);
  var palette = ["#0b5ed7", "#198754", "#b02a37", "#6f42c1", "#b35c00", "#0a7a8a", "#5c636a", "#ad1457"];
  var drawn = [];

  function option(chart) {
    var series = chart.series.map(function (s) {
      return {
        name: s[0],
        type: chart.kind === "line" ? "line" : "bar",
        data: s[1],
        stack: chart.kind === "stack" ? "all" : undefined,
        smooth: chart.kind === "line",
        label: chart.kind === "rank" ? { show: true, position: "right" } : undefined,
      };
    });
    // a long name (a resource, a scenario) is cut on the axis; the tooltip and the table hold it whole
    // every category labelled (a bar chart's groups are few; long ones are cut, the table holds them whole)
    var label = chart.kind === "rank" ? { hideOverlap: true, width: 150, overflow: "truncate" }
      : chart.kind === "bar" ? { interval: 0, rotate: chart.categories.length > 3 ? 40 : 0, width: 90, overflow: "truncate" }
      : { hideOverlap: true };
    var categories = { type: "category", data: chart.categories, axisLabel: label, inverse: chart.kind === "rank" };
    // large counts as 万 (72万, not 720,000), and no two labels drawn over each other
    var compact = function (v) { return Math.abs(v) >= 10000 ? +(v / 10000).toFixed(1) + "万" : v; };
    var values = { type: "value", minInterval: 1, axisLabel: { hideOverlap: true, formatter: compact } };
    var rank = chart.kind === "rank";
    var empty = !chart.series.some(function (s) { return s[1].some(function (v) { return v; }); });
    return {
      title: empty ? { text: "没有数据", left: "center", top: "middle", textStyle: { color: "#5c636a", fontSize: 14 } } : undefined,
      color: palette,
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      legend: chart.series.length > 1 ? { type: "scroll", top: 0 } : undefined,
      grid: { left: 8, right: rank ? 40 : 16, top: chart.series.length > 1 ? 36 : 12, bottom: 8, containLabel: true },
      xAxis: rank ? values : categories,
      yAxis: rank ? categories : values,
      series: series,
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var chart = charts.find(function (c) { return c.key === el.dataset.chart; });
    if (!chart) return;
    var drawing = echarts.init(el, null, { renderer: "svg" });
    drawing.setOption(option(chart));
    drawn.push(drawing);
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (d) { d.resize(); });
  });
})();
