// The appeal form: show only the section of the chosen applicant type (enterprise or person) and
// the reply time of the chosen appeal type. Without this script both sections and every reply
// time are shown, each under its own legend. The hidden section is disabled: it is not sent.
(function () {
  "use strict";
  function sync(form) {
    var kind = form.querySelector("[data-kind-switch]");
    if (kind) {
      form.querySelectorAll("[data-kind-section]").forEach(function (fs) {
        var on = fs.getAttribute("data-kind-section") === kind.value;
        fs.hidden = !on;
        fs.disabled = !on;
      });
    }
    var type = form.querySelector("[data-type-switch]");
    if (type) {
      form.querySelectorAll("[data-reply-type]").forEach(function (li) {
        li.hidden = li.getAttribute("data-reply-type") !== type.value;
      });
    }
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-kind-switch], [data-type-switch]")) return;
    sync(form);
    form.addEventListener("change", function (e) {
      if (e.target.matches("[data-kind-switch], [data-type-switch]")) sync(form);
    });
  });
})();
