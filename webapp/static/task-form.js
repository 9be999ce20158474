// Fields shown only while their condition holds (a form schema's x-shown-when, e.g. the fact a rejection category
// asks for): hidden otherwise, so the form shows what the chosen decision needs. Without script every field shows;
// the server ignores a field whose condition does not hold either way.
(function () {
  var form = document.getElementById('task-form');
  var fields = form ? form.querySelectorAll('[data-shown-when]') : [];
  if (!fields.length) return;
  function valueOf(name) {
    var chosen = form.querySelector('input[type="radio"][name="' + name + '"]:checked');
    if (chosen) return chosen.value;
    var select = form.querySelector('select[name="' + name + '"]');
    return select ? select.value : null;
  }
  function update() {
    fields.forEach(function (field) {
      var conditions = JSON.parse(field.getAttribute('data-shown-when'));
      field.hidden = !Object.keys(conditions).every(function (name) {
        return conditions[name].map(String).indexOf(valueOf(name)) >= 0;
      });
    });
  }
  form.addEventListener('change', update);
  update();
})();
