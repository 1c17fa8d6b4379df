// The menu button of the site header on phones (docs/portal.md). Without this script the
// navigation is simply shown open; with it, <html> gets the class "js", the button toggles
// aria-expanded and the header's "is-open" class, Escape closes the menu and gives the focus back
// to the button, and a wide window always shows the navigation.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function init() {
    var button = document.querySelector("[data-nav-toggle]");
    if (!button) {
      return;
    }
    var header = button.closest(".site-header");
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("is-open", open);
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
