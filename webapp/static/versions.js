// Read-only diagrams of process versions: one version, or two side by side with what changed marked.
(function () {
  if (!window.BpmnJS) { return; }
  var MARKERS = { added: 'diff-added', removed: 'diff-removed', changed: 'diff-changed' };
  function show(el) {
    var viewer = new window.BpmnJS({ container: el });
    return fetch(el.dataset.src, { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get('canvas');
        var registry = viewer.get('elementRegistry');
        Object.keys(MARKERS).forEach(function (kind) {
          (el.dataset[kind] || '').split(',').filter(Boolean).forEach(function (id) {
            if (registry.get(id)) { canvas.addMarker(id, MARKERS[kind]); }
          });
        });
        window.xiayiFitDiagram(viewer, el);
        el.dataset.rendered = 'true';
      })
      .catch(function () {
        el.textContent = '流程图暂时无法显示，请刷新页面重试。';
      });
  }
  ['version-diagram', 'diff-old', 'diff-new'].forEach(function (id) {
    var el = document.getElementById(id);
    if (el) { show(el); }
  });
})();
