// Small page behaviours, wired by data- attributes (the Content-Security-Policy forbids inline
// event handlers): data-autosubmit submits its form on change, data-fill-reason copies the chosen
// template into the form's "reason" field, data-confirm asks before the click goes ahead.
// A table wider than the screen scrolls inside its own box (components.css); such a box is made
// reachable by keyboard (tabindex=0), so that it can be scrolled without a mouse.
(function () {
  "use strict";
  function focusableScrollers() {
    document.querySelectorAll("main table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1 && getComputedStyle(table).overflowX === "auto";
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("data-scroll-region", "");
      } else if (!scrolls && table.hasAttribute("data-scroll-region")) {
        table.removeAttribute("tabindex");
        table.removeAttribute("data-scroll-region");
      }
    });
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
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
