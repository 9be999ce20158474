// Small behaviours any page may use, bound here because the CSP allows no inline handlers:
// data-print opens the print dialog, data-back goes back one page, data-once sends a form once.
(function () {
  document.querySelectorAll('[data-print]').forEach(function (el) {
    el.addEventListener('click', function () { window.print(); });
  });
  // data-once: a form is sent once per visit, so a double click cannot send it twice (the server also checks)
  document.querySelectorAll('form[data-once]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = 'true';
    });
    window.addEventListener('pageshow', function () { delete form.dataset.sent; });
  });
  document.querySelectorAll('[data-back]').forEach(function (el) {
    el.addEventListener('click', function (event) { event.preventDefault(); window.history.back(); });
  });
})();
