// The window's intake page (cases/intake.html): the item search suggests as one types (the
// form still works without script: it submits ?q= and the server lists the matches), and the
// applicant's USCC / ID number fills the name from the registry.
(function () {
  "use strict";
  var script = document.currentScript;
  var search = document.querySelector("form[data-item-search]");
  var list = document.getElementById("item-matches");
  if (search && list) {
    var input = search.querySelector("input[name=q]");
    var timer = null;
    var seq = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        var mine = ++seq;
        if (!q) { list.textContent = ""; return; }
        fetch(search.getAttribute("data-item-search") + "?q=" + encodeURIComponent(q), {
          headers: { Accept: "application/json" }, credentials: "same-origin"
        }).then(function (r) { return r.ok ? r.json() : { results: [] }; }).then(function (data) {
          if (mine !== seq) { return; }
          list.textContent = "";
          data.results.forEach(function (m) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = m.url;
            a.textContent = m.name;
            li.appendChild(a);
            li.appendChild(document.createTextNode(" · " + m.department + " · " + m.division));
            list.appendChild(li);
          });
        });
      }, 200);
    });
  }
  var form = document.querySelector("form[data-applicant-lookup]");
  if (form) {
    var button = form.querySelector("[data-lookup-button]");
    var out = form.querySelector("[data-lookup-result]");
    button.addEventListener("click", function () {
      var code = (form.applicant_code.value || "").trim();
      if (!code) { return; }
      fetch(form.getAttribute("data-applicant-lookup") + "?code=" + encodeURIComponent(code), {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (!data.found) {
          out.textContent = script.getAttribute("data-not-found");
          return;
        }
        form.applicant_kind.value = data.kind;
        form.applicant_name.value = data.name;
        form.applicant_phone.placeholder = data.phone_hint;
        out.textContent = script.getAttribute("data-found") + (data.phone_hint ? " " + data.phone_hint : "");
      });
    });
  }
})();
