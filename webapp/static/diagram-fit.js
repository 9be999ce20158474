// Sizes a bpmn-js viewer to the width of its card: the height follows the diagram's proportions (within limits).
window.xiayiFitDiagram = function (viewer, el) {
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
};
