// Small behaviours any page may use, bound here because the CSP allows no inline handlers:
// data-print opens the print dialog, data-back goes back one page, data-once sends a form once.
(function () {
  document.querySelectorAll('[data-print]').forEach(function (el) {
    el.addEventListener('click', function () { window.print(); });
  });
  // Every form that changes something (and any data-once form) is sent once per click, so a double click cannot
  // send it twice and show "already handled" after the success (the server also checks). A form whose answer is a
  // download leaves the page as it was: it may be sent again after a few seconds.
  document.querySelectorAll('form[data-once], form[method="post"], form[method="POST"]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = 'true';
      // stopped by another handler (a confirm answered 取消, a check of the form): not sent, so not locked
      window.setTimeout(function () { if (event.defaultPrevented) { delete form.dataset.sent; } }, 0);
      window.setTimeout(function () { delete form.dataset.sent; }, 8000);
    });
    window.addEventListener('pageshow', function () { delete form.dataset.sent; });
  });
  document.querySelectorAll('[data-back]').forEach(function (el) {
    el.addEventListener('click', function (event) { event.preventDefault(); window.history.back(); });
  });
})();
