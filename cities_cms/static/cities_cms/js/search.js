// The search page's progressive enhancements; the page works the same without this script.
// 1. Suggestions for the search box, as a native <datalist> (no custom widget to get wrong),
//    with their number announced politely to screen reader users.
// 2. On narrow screens the facets (a <details>, open without JavaScript) start folded, unless
//    a filter is in use, so that the results come first.
(function () {
  "use strict";

  var refine = document.querySelector(".cc-search__refine");
  if (refine && window.matchMedia && window.matchMedia("(max-width: 47.99em)").matches &&
      !refine.querySelector("input[type=checkbox]:checked")) {
    refine.open = false;
  }

  var form = document.querySelector("form[data-cc-suggest]");
  if (!form || !window.fetch) return;
  var input = form.querySelector("input[type=search]");
  if (!input) return;
  var list = document.createElement("datalist");
  list.id = input.id + "-suggestions";
  form.appendChild(list);
  input.setAttribute("list", list.id);
  var status = document.createElement("p");
  status.className = "cc-visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(status);
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var query = input.value.trim();
      if (query.length < 2 || query === last) return;
      last = query;
      fetch(form.dataset.ccSuggest + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          list.textContent = "";
          data.suggestions.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.title;
            option.label = item.kind;
            list.appendChild(option);
          });
          // The sentence comes translated from the server, in the language's plural form.
          status.textContent = data.summary || "";
        })
        .catch(function () {});
    }, 200);
  });
})();
