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

// Evidence files chosen in the objection's own upload form are sent only by its 上传 button: submitting the task
// with files still chosen there would lose them without a word, so the task waits and says what to do.
(function () {
  var form = document.getElementById('task-form');
  var chosen = document.getElementById('evidence-files');
  if (!form || !chosen) return;
  form.addEventListener('submit', function (event) {
    if (!chosen.files || !chosen.files.length) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var note = document.getElementById('evidence-pending');
    if (!note) {
      note = document.createElement('div');
      note.id = 'evidence-pending';
      note.className = 'alert alert-warning small mt-2 mb-0';
      note.setAttribute('role', 'alert');
      chosen.closest('form').appendChild(note);
    }
    note.textContent = '已选择的 ' + chosen.files.length + ' 个证据文件尚未上传：请先点击“上传”，或清除所选文件，再提交办理。';
    chosen.focus();
  }, true);
})();
