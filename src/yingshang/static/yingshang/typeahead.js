/* Type-ahead for the portal search box (vanilla JS, no dependency).
 * Any <input data-suggest-url="/services/suggest/"> gets a list of matching items under it,
 * fetched as the person types (debounced 200 ms, at most one request under way). Keyboard:
 * ↓/↑ move, Enter opens the highlighted item (without one, Enter sends the search form), Escape
 * closes the list and keeps what was typed. ARIA combobox pattern. Used on the home page and
 * the search page (no inline script: CSP). */
(function () {
  "use strict";
  var counter = 0;

  function attach(input) {
    var url = input.getAttribute("data-suggest-url");
    if (!url) return;
    var id = "typeahead-list-" + (++counter);
    var list = document.createElement("ul");
    list.id = id;
    list.className = "typeahead-list";
    list.setAttribute("role", "listbox");
    if (input.getAttribute("aria-label")) list.setAttribute("aria-label", input.getAttribute("aria-label"));
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.parentNode.appendChild(list);
    var timer = null, controller = null, active = -1, items = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(n) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (n + options.length) % options.length;
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
    }

    function render(q, data) {
      items = data.items || [];
      list.setAttribute("data-for", q);  /* which query the options answer (tests wait on it) */
      list.textContent = "";
      if (!items.length) { close(); return; }
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        var a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.name;
        var small = document.createElement("small");
        small.textContent = " " + item.division + " · " + item.department;
        a.appendChild(small);
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function query() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      if (controller) controller.abort();
      controller = "AbortController" in window ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      }).then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) { render(q, data); })
        .catch(function () { /* aborted or offline: keep the plain search */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(query, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }  /* keep what was typed */
      else if (e.key === "Enter" && active >= 0 && items[active]) {
        e.preventDefault();
        window.location.href = items[active].url;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init() {
    document.querySelectorAll("input[data-suggest-url]").forEach(attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
