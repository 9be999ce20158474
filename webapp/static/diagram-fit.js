// Sizes a bpmn-js viewer to the width of its card: the height follows the diagram's proportions (within limits).
// A wide diagram is not shrunk past legibility: below READABLE the viewer keeps a readable scale and shows the
// part around `focus` (the current step), and the person drags or presses 适应宽度 to see the whole.
window.xiayiFitDiagram = function (viewer, el, focus) {
  var READABLE = 0.6;
  var canvas = viewer.get('canvas');
  canvas.zoom('fit-viewport');
  var inner = canvas.viewbox().inner;
  if (inner && inner.width > 0) {
    var ratio = (inner.height + 40) / (inner.width + 40);
    var height = Math.max(180, Math.min(window.innerHeight * 0.75, el.clientWidth * ratio));
    el.style.height = Math.round(height) + 'px';
    canvas.resized();
  }
  canvas.zoom('fit-viewport', 'auto');
  if (canvas.zoom() >= READABLE || !inner) { return; }
  el.style.height = Math.round(Math.min(window.innerHeight * 0.7, (inner.height + 40) * READABLE)) + 'px';
  canvas.resized();
  var target = focus && viewer.get('elementRegistry').get(focus);
  var centre = target ? { x: target.x + target.width / 2, y: target.y + target.height / 2 }
                      : { x: inner.x + el.clientWidth / (2 * READABLE), y: inner.y + inner.height / 2 };
  canvas.zoom(READABLE, centre);
  var box = canvas.viewbox();
  canvas.viewbox({ x: centre.x - box.width / 2, y: inner.y - 20, width: box.width, height: box.height });
  el.dataset.partial = 'true';
  var hint = el.parentNode && el.parentNode.querySelector('.diagram-partial');
  if (hint) { hint.hidden = false; }
};
