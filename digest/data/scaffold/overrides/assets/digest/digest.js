// digest: the search page, on Pagefind's JS API.
//
// Pagefind keeps one index per language (each article page declares its own):
// English words are stemmed in the English index, Chinese is segmented in the
// Chinese one. Its own UI searches only the index of the page's language, so
// this one merges every language's index of the bundle into one search. It
// then keeps only the results whose text holds every word of the query, as a
// word (up to an English plural or possessive) or, for Chinese and Japanese,
// as the characters typed: Pagefind also matches words that merely start with
// the query ("ban" finds "bank") or that the query starts with ("services"
// found the "s" of "children's"), and a reader who searches a word expects
// to find it. Dates are shown as the story is filed, in its own time zone.
(function () {
  "use strict";
  var PAGE = 10;
  var CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af";
  var CJK_RUN = new RegExp("[" + CJK + "]+", "gu");
  var IS_CJK = new RegExp("[" + CJK + "]", "u");
  var WORD = new RegExp("(?:(?![" + CJK + "])[\\p{L}\\p{N}])+", "gu");
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  // Words whose final "s" is not a plural (the same few Pagefind's stemmer keeps).
  var KEEP = { news: 1, bias: 1, atlas: 1, cosmos: 1, series: 1, species: 1, chaos: 1, lens: 1 };

  function plain(s) {
    return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  }
  function fold(word) {
    var w = plain(word);
    if (w.length < 4 || KEEP[w]) return w;
    if (/ies$/.test(w) && w.length > 4) return w.slice(0, -3) + "y";
    if (/(ss|x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
    if (/s$/.test(w) && !/(ss|us|is)$/.test(w)) return w.slice(0, -1);
    return w;
  }

  // The query's terms: words (folded) and runs of CJK characters.
  function terms(query) {
    var out = [];
    var text = query.normalize("NFC");
    (text.match(CJK_RUN) || []).forEach(function (run) { out.push({ cjk: true, text: run }); });
    (text.match(WORD) || []).forEach(function (w) { out.push({ cjk: false, text: fold(w) }); });
    return out;
  }

  // Where the terms occur in a result's text: [{start, end}], in order.
  function hits(text, ts) {
    var found = [];
    var words = {};
    ts.forEach(function (t) { if (!t.cjk) words[t.text] = 1; });
    var m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      if (words[fold(m[0])]) found.push({ start: m.index, end: m.index + m[0].length });
    }
    var lower = text.toLowerCase();
    ts.forEach(function (t) {
      if (!t.cjk) return;
      for (var i = lower.indexOf(t.text); i >= 0; i = lower.indexOf(t.text, i + t.text.length)) {
        found.push({ start: i, end: i + t.text.length });
      }
    });
    return found.sort(function (a, b) { return a.start - b.start; });
  }

  // Does the text hold every term?
  function holds(text, ts) {
    var folded = {};
    (text.match(WORD) || []).forEach(function (w) { folded[fold(w)] = 1; });
    var compact = text.replace(/\s+/g, "").toLowerCase();
    return ts.every(function (t) {
      return t.cjk ? compact.indexOf(t.text) >= 0 : folded[t.text] === 1;
    });
  }

  // "21 Jan 2025" from "2025-01-21T06:17:00+08:00": the day the story is filed under.
  function filed(iso) {
    var m = /^(\d{4})-(\d\d)-(\d\d)/.exec(iso || "");
    if (!m || +m[2] < 1 || +m[2] > 12) return "";
    return +m[3] + " " + MONTHS[+m[2] - 1] + " " + m[1];
  }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") node.textContent = props[k];
      else node.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // About two lines of the text around the first match after the title, the
  // matches marked; built as DOM text, so nothing in an article becomes markup.
  function excerpt(text, ts, after) {
    var found = hits(text, ts);
    var first = found.filter(function (h) { return h.start >= after; })[0] || found[0];
    var at = first ? first.start : after;
    // Wide (CJK) characters fill a line twice as fast.
    var wide = IS_CJK.test(text.slice(at, at + 12));
    var start = Math.max(at >= after ? after : 0, at - (wide ? 30 : 90));
    var end = Math.min(text.length, at + (wide ? 80 : 170));
    while (start < at && /[\s.]/.test(text[start])) start += 1;
    if (start > 0 && !wide && /\S/.test(text[start - 1])) {
      var space = text.indexOf(" ", start);
      if (space >= 0 && space < at) start = space + 1;
    }
    if (end < text.length) {
      var last = text.lastIndexOf(" ", end);
      if (last > at + 40) end = last;
    }
    var p = el("p", { class: "pagefind-ui__result-excerpt" });
    if (start > 0) p.appendChild(document.createTextNode("… "));
    var pos = start;
    found.forEach(function (h) {
      if (h.start < pos || h.end > end) return;
      p.appendChild(document.createTextNode(text.slice(pos, h.start)));
      p.appendChild(el("mark", { text: text.slice(h.start, h.end) }));
      pos = h.end;
    });
    p.appendChild(document.createTextNode(text.slice(pos, end) + (end < text.length ? " …" : "")));
    return p;
  }

  function result(data, ts, pageLang) {
    var meta = data.meta || {};
    var text = (data.content || "").replace(/\u200b/g, "").replace(/\s+/g, " ");
    var title = meta.title || data.url;
    var link = el("a", { class: "pagefind-ui__result-link", href: data.url, text: title });
    var lang = meta.lang;
    if (lang && lang.split("-")[0] !== pageLang.split("-")[0]) link.setAttribute("lang", lang);
    var source = meta.source;
    var bits = [source, filed(meta.date)].filter(Boolean);
    var line = el("p", { class: "digest-result__meta pagefind-ui__result-tags", text: bits.join(" · ") });
    var snip = excerpt(text, ts, title.length);
    if (lang) snip.setAttribute("lang", lang);
    return el("li", { class: "pagefind-ui__result" }, [
      el("div", { class: "pagefind-ui__result-inner" }, [
        el("p", { class: "pagefind-ui__result-title" }, [link]),
        line,
        snip,
      ]),
    ]);
  }

  async function start(box, bundle) {
    var input = el("input", {
      id: "digest-q", class: "pagefind-ui__search-input", type: "search", name: "q",
      autocomplete: "off", spellcheck: "false", placeholder: "Words from any article",
    });
    var tag = el("select", { id: "digest-tag", name: "tag" }, [el("option", { value: "", text: "All tags" })]);
    var source = el("select", { id: "digest-source", name: "source" }, [
      el("option", { value: "", text: "All sources" }),
    ]);
    var form = el("form", {
      class: "digest-search__form", role: "search", action: "", "aria-label": "Search the articles",
    }, [
      el("label", { class: "digest-search__label", for: "digest-q", text: "Search the articles" }),
      input,
      el("div", { class: "digest-search__filters" }, [
        el("span", { class: "digest-search__filter" }, [
          el("label", { for: "digest-tag", text: "Tag" }), tag,
        ]),
        el("span", { class: "digest-search__filter" }, [
          el("label", { for: "digest-source", text: "Source" }), source,
        ]),
      ]),
    ]);
    var message = el("p", { class: "pagefind-ui__message", role: "status", "aria-live": "polite" });
    var list = el("ol", { class: "pagefind-ui__results" });
    var more = el("button", { type: "button", class: "md-button pagefind-ui__button", text: "More results" });
    more.hidden = true;
    box.replaceChildren(form, message, list, more);

    // Pagefind loads while the reader types: what is typed meanwhile is searched
    // once it is ready.
    var loading = (async function () {
      var pagefind = await import(bundle + "pagefind.js");
      var json = async function (url) { return (await fetch(url)).json(); };
      var entry = await json(bundle + "pagefind-entry.json");
      var langs = Object.keys(entry.languages || {});
      var docLang = (document.documentElement.lang || "").toLowerCase();
      // The index Pagefind opens first, for the page's language (or its largest).
      var primary = langs.indexOf(docLang) >= 0 ? docLang
        : langs.indexOf(docLang.split("-")[0]) >= 0 ? docLang.split("-")[0]
        : langs.slice().sort(function (a, b) {
          return entry.languages[b].page_count - entry.languages[a].page_count;
        })[0];
      await pagefind.options({ excerptLength: 30 });
      // Every other index: the other languages of this bundle, then every
      // language of the other bundles (one per span of articles, listed by
      // `digest build`). Pagefind skips a merge whose path its own starts with
      // (against merging a site with itself), so bundles are named by their
      // absolute URLs here.
      var merges = langs.filter(function (l) { return l !== primary; }).map(function (l) {
        return pagefind.mergeIndex(bundle, { language: l });
      });
      var others = (await json(bundle + "digest-bundles.json")).bundles || [];
      await Promise.all(merges.concat(others.map(async function (rel) {
        var url = new URL(rel, bundle).href;
        var there = Object.keys((await json(url + "pagefind-entry.json")).languages || {});
        await Promise.all(there.map(function (l) { return pagefind.mergeIndex(url, { language: l }); }));
      })));
      return pagefind;
    })().catch(function (err) {
      console.warn("digest search:", err);
      message.textContent = "The search index is missing: build the site with `digest build`.";
      input.disabled = true;
      return null;
    });

    // The filters' values come with the page (digest build writes them).
    var values = {};
    try { values = JSON.parse(box.getAttribute("data-filters") || "{}"); } catch (e) { values = {}; }
    // [slug, label] pairs: the index files articles under slugs (any name is safe).
    [["tag", tag], ["source", source]].forEach(function (pair) {
      (values[pair[0]] || []).forEach(function (item) {
        pair[1].appendChild(el("option", { value: item[0], text: item[1] }));
      });
    });

    var state = { id: 0, results: [], next: 0, shown: 0, terms: [], query: "" };
    var pageLang = document.documentElement.lang || "en";

    async function fill(id) {
      var wanted = state.shown + PAGE;
      while (state.shown < wanted && state.next < state.results.length) {
        var batch = state.results.slice(state.next, state.next + PAGE);
        state.next += batch.length;
        var datas = await Promise.all(batch.map(function (r) { return r.data(); }));
        if (id !== state.id) return;
        datas.forEach(function (data) {
          var text = (data.content || "").replace(/\u200b/g, "");
          if (!holds(text, state.terms)) return;
          list.appendChild(result(data, state.terms, pageLang));
          state.shown += 1;
        });
      }
      var done = state.next >= state.results.length;
      more.hidden = done;
      var q = "\u201c" + state.query + "\u201d";
      message.textContent = state.shown === 0 ? "No results for " + q + "."
        : state.shown + (done ? "" : "+") + (state.shown === 1 && done ? " result" : " results") + " for " + q;
    }

    async function run() {
      var id = ++state.id;
      var query = input.value.trim();
      var url = new URL(window.location.href);
      if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
      window.history.replaceState(null, "", url);
      list.replaceChildren();
      more.hidden = true;
      state.terms = terms(query);
      state.query = query;
      if (!state.terms.length) {
        message.textContent = "";
        return;
      }
      message.textContent = "Searching…";
      var pagefind = await loading;
      if (!pagefind || id !== state.id) return;
      var filters = {};
      if (tag.value) filters.tag = tag.value;
      if (source.value) filters.source = source.value;
      var response = await pagefind.search(query, { filters: filters });
      if (id !== state.id) return;
      state.results = (response && response.results) || [];
      state.next = 0;
      state.shown = 0;
      await fill(id);
    }

    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 250);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      run();
    });
    tag.addEventListener("change", run);
    source.addEventListener("change", run);
    more.addEventListener("click", function () { fill(state.id); });

    var q = new URLSearchParams(window.location.search).get("q");
    if (q) {
      input.value = q;
      run();
    }
    input.focus();
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var box = document.getElementById("digest-search");
    var meta = document.querySelector('meta[name="digest-pagefind"]');
    if (!box || !meta) return;
    start(box, new URL(meta.content, document.baseURI).href);
  });
})();
