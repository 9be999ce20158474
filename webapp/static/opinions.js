// 常用意见: one click puts the text into the reason field, on a line after what is already written; the server still checks it.
document.addEventListener('click', function (event) {
  var button = event.target.closest('.opinion-insert');
  if (!button) return;
  var field = document.getElementById(button.getAttribute('data-target'));
  if (!field) return;
  var text = button.getAttribute('data-text') || '';
  var current = field.value.trim();
  field.value = current ? current + '\n' + text : text;  // one per line: a return lists each item on its own line
  field.focus();
  field.dispatchEvent(new Event('input', {bubbles: true}));
});
