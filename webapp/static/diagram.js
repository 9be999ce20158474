// Shows a case's BPMN diagram with completed and current steps highlighted, fit to the card's width (bpmn-js).
(function () {
  var el = document.getElementById('case-diagram');
  if (!el || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: el });
  var ids = function (name) { return (el.dataset[name] || '').split(',').filter(Boolean); };
  fetch(el.dataset.src, { credentials: 'same-origin' })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      ids('done').forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, 'step-done'); } });
      ids('active').forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, 'step-active'); } });
      var done = ids('done');
      var reached = done.concat(ids('active'));
      registry.filter(function (e) { return e.waypoints && e.source && e.target; }).forEach(function (flow) {
        if (done.indexOf(flow.source.id) >= 0 && reached.indexOf(flow.target.id) >= 0) { canvas.addMarker(flow, 'step-done'); }
      });
      window.xiayiFitDiagram(viewer, el, ids('active')[0]);
      document.querySelectorAll('.diagram-zoom').forEach(function (button) {
        button.addEventListener('click', function () {
          var how = button.getAttribute('data-zoom');
          if (how === 'fit') { canvas.zoom('fit-viewport', 'auto'); return; }
          canvas.zoom(canvas.zoom() * (how === 'in' ? 1.25 : 0.8));
        });
      });
      el.dataset.rendered = 'true';
    })
    .catch(function () {
      el.innerHTML = '<p class="text-muted p-3">流程图暂时无法显示，请刷新页面重试。</p>';
    });
})();
