// digest: show times in the reader's own time zone, and start the search page.
(function () {
  "use strict";
  function localTimes() {
    var full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    var hours = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      el.title = el.getAttribute("datetime");
      el.textContent = (el.textContent.trim().length <= 5 ? hours : full).format(when);
    });
  }
  // A summary taken from the article's own opening would be read twice, once
  // above the body and once as its first lines: then only the body shows it.
  // (It stays in the page, and in the search index, for feeds and results.)
  function leadSummary() {
    var summary = document.querySelector(".digest-article__summary");
    var body = document.querySelector(".digest-article__body");
    if (!summary || !body) return;
    var norm = function (s) { return s.replace(/\s+/g, " ").trim(); };
    var start = norm(summary.textContent).replace(/(?:\u2026|\.\.\.)$/, "").trim();
    if (start && norm(body.textContent).indexOf(start) === 0) summary.hidden = true;
  }
  function searchPage() {
    var box = document.getElementById("digest-search");
    var meta = document.querySelector('meta[name="digest-pagefind"]');
    if (!box || !meta) return;
    if (typeof PagefindUI === "undefined") {
      box.textContent = "The search index is missing: build the site with `digest build`.";
      return;
    }
    var when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    var ui = new PagefindUI({
      element: "#digest-search",
      bundlePath: meta.content,
      showSubResults: false,
      showImages: false,
      resetStyles: false,
      pageSize: 10,
      autofocus: true,
      // The date is stored as ISO 8601; readers get it in their own terms.
      processResult: function (result) {
        var date = result.meta && result.meta.date && new Date(result.meta.date);
        if (date && !isNaN(date.getTime())) result.meta.date = when.format(date);
        return result;
      }
    });
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) ui.triggerSearch(q);
  }
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () { localTimes(); leadSummary(); searchPage(); });
})();
