// Small behaviours any page may use, bound here because the CSP allows no inline handlers:
// data-print opens the print dialog, data-back goes back one page.
(function () {
  document.querySelectorAll('[data-print]').forEach(function (el) {
    el.addEventListener('click', function () { window.print(); });
  });
  document.querySelectorAll('[data-back]').forEach(function (el) {
    el.addEventListener('click', function (event) { event.preventDefault(); window.history.back(); });
  });
})();
