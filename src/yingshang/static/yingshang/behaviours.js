// Small page behaviours, wired by data- attributes (the Content-Security-Policy forbids inline
// event handlers): data-autosubmit submits its form on change, data-fill-reason copies the chosen
// template into the form's "reason" field, data-confirm asks before the click goes ahead.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches("select[data-autosubmit]") && el.form) {
      el.form.submit();
    } else if (el.matches("select[data-fill-reason]") && el.form && el.form.reason) {
      el.form.reason.value = el.value;
    }
  });
  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });
})();
