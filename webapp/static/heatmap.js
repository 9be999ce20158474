// 流程瓶颈图: the version's diagram with each user task coloured by its overdue rate and labelled with its median,
// 90th-percentile working days and overdue rate (the same figures as the table below it).
(function () {
  "use strict";
  var el = document.getElementById("heat-diagram");
  if (!el || !el.dataset.tasks || !window.BpmnJS) { return; }
  var tasks = JSON.parse(el.dataset.tasks);
  var viewer = new window.BpmnJS({ container: el });
  fetch(el.dataset.src, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      var overlays = viewer.get("overlays");
      tasks.forEach(function (t) {
        var shape = registry.get(t.id);
        if (!shape || !t.text) { return; }
        canvas.addMarker(t.id, "heat-" + t.level);
        var label = document.createElement("div");
        label.className = "heat-label heat-label-" + t.level;
        label.textContent = t.text;
        overlays.add(t.id, { position: { top: -20, left: 0 }, html: label });  // above: timers sit on the bottom edge
      });
      canvas.zoom("fit-viewport", "auto");
      document.querySelectorAll(".diagram-zoom").forEach(function (button) {
        button.addEventListener("click", function () {
          var how = button.getAttribute("data-zoom");
          if (how === "fit") { canvas.zoom("fit-viewport", "auto"); return; }
          canvas.zoom(canvas.zoom() * (how === "in" ? 1.25 : 0.8));
        });
      });
      el.dataset.rendered = "true";
    })
    .catch(function () {
      el.innerHTML = '<p class="text-muted p-3">流程图暂时无法显示，请刷新页面重试；各环节的数据见下表。</p>';
    });
})();
