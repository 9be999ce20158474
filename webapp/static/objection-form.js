// The objection form shows only the object field the chosen type needs (all three, optional, for 其他).
// A hidden field is also disabled, so a number typed there before the type changed is not sent with the form.
(function () {
  var type = document.getElementById('type');
  var fields = document.querySelectorAll('[data-object-for]');
  if (!type || !fields.length) { return; }
  function show() {
    fields.forEach(function (field) {
      var wanted = field.dataset.objectFor.split(' ').indexOf(type.value) >= 0;
      field.hidden = !wanted;
      field.querySelectorAll('input').forEach(function (input) { input.disabled = !wanted; });
    });
    document.querySelectorAll('.object-optional').forEach(function (mark) { mark.hidden = type.value !== 'other'; });
  }
  type.addEventListener('change', show);
  show();
})();
