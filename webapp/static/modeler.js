// The browser modeler: edit with bpmn-js, check with the server's lint, deploy a new version.
(function () {
  var el = document.getElementById('modeler');
  var out = document.getElementById('modeler-result');
  if (!el || !window.BpmnJS) { return; }
  var modeler = new window.BpmnJS({ container: el, keyboard: { bindTo: document } });
  var blank = '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="Defs_new" ' +
    'targetNamespace="http://xiayi.gov.example/bpmn"><bpmn:process id="new_process" name="新流程" isExecutable="true">' +
    '<bpmn:startEvent id="new_start"/></bpmn:process><bpmndi:BPMNDiagram id="new_diagram"><bpmndi:BPMNPlane id="new_plane" ' +
    'bpmnElement="new_process"><bpmndi:BPMNShape id="new_start_di" bpmnElement="new_start"><dc:Bounds x="180" y="160" ' +
    'width="36" height="36"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>';

  function show(kind, html) { out.className = 'alert alert-' + kind + ' small mb-2'; out.innerHTML = html; }
  function esc(text) { var d = document.createElement('div'); d.textContent = text; return d.innerHTML; }
  function list(items) {
    return '<ul class="mb-0">' + items.map(function (i) {
      return '<li>' + (i.element_id ? '[' + esc(i.element_id) + '] ' : '') + esc(i.message || i) + '</li>';
    }).join('') + '</ul>';
  }
  function post(url) {
    return modeler.saveXML({ format: true }).then(function (saved) {
      return fetch(url, { method: 'POST', credentials: 'same-origin', body: saved.xml,
        headers: { 'Content-Type': 'application/xml', 'X-CSRFToken': el.dataset.csrf } });
    }).then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); });
  }

  var load = el.dataset.src ? fetch(el.dataset.src, { credentials: 'same-origin' }).then(function (r) { return r.text(); })
    : Promise.resolve(blank);
  load.then(function (xml) { return modeler.importXML(xml); })
    .then(function () { modeler.get('canvas').zoom('fit-viewport'); el.dataset.ready = 'true'; })
    .catch(function (err) { show('danger', '流程图无法打开：' + esc(err.message) + '。请刷新重试。'); });

  document.getElementById('check-btn').addEventListener('click', function () {
    show('secondary', '正在检查…');
    post(el.dataset.check).then(function (res) {
      if (res.body.ok) { show('success', '检查通过，可以部署。'); }
      else { show('danger', '发现 ' + res.body.issues.length + ' 处问题：' + list(res.body.issues)); }
    }).catch(function () { show('danger', '检查请求失败，请检查网络后重试。'); });
  });
  document.getElementById('deploy-btn').addEventListener('click', function () {
    show('secondary', '正在部署…');
    post(el.dataset.deploy).then(function (res) {
      if (res.status === 200) { show('success', esc(res.body.message)); }
      else { show('danger', esc(res.body.message) + (res.body.details ? list(res.body.details) : '')); }
    }).catch(function () { show('danger', '部署请求失败，未部署，请稍后重试。'); });
  });
})();
