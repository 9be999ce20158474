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
