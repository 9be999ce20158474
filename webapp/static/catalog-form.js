// The catalog entry form: "添加一行" copies the last information-item row, emptied.
(function () {
  var button = document.getElementById('add-item');
  if (!button) { return; }
  button.addEventListener('click', function () {
    var body = document.querySelector('#item-rows tbody');
    var row = body.rows[body.rows.length - 1].cloneNode(true);
    row.querySelectorAll('input').forEach(function (i) { i.value = ''; });
    row.querySelectorAll('select').forEach(function (s) { s.selectedIndex = 0; });
    body.appendChild(row);
  });
})();

// 不予共享 has no 共享方式: choosing it empties and disables that field (a disabled field is not sent), and choosing
// another type enables it again; the server refuses a method on a not-shared entry in any case.
(function () {
  var type = document.getElementById('share_type');
  var method = document.getElementById('share_method');
  if (!type || !method) { return; }
  function follow() {
    var notShared = type.value === 'not_shared';
    if (notShared) { method.value = ''; }
    method.disabled = notShared;
  }
  type.addEventListener('change', follow);
  follow();
})();
