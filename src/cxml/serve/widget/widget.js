/* cxml proactive-help widget. Plain JavaScript, no build step, no dependencies.
 *
 * Include once per page:
 *   <script src="https://help.example.fi/widget.js" async></script>
 * Optional attributes on the script tag: data-cxml-segment="b2b", data-cxml-language="fi",
 * data-cxml-key="<key>" (only if your service requires a key from pages; normally the page's origin is
 * allow-listed with --cors-origin instead).
 *
 * It reads the page URL, title and language, listens for errors reported by the page
 * (window.cxml.reportError(code, message), or any element with a data-cxml-error="CODE" attribute, its text
 * or data-cxml-error-message being the message), asks the service's /v1/proactive and shows one article card,
 * in the page's language, only when the service says should_offer. Clicks, "helpful" and dismissals go back
 * to /v1/feedback.
 */
(function () {
  "use strict";
  if (window.cxml && window.cxml.__loaded) { return; }
  var script = document.currentScript;
  var base = script && script.src ? script.src.replace(/\/widget\.js(\?.*)?$/, "") : "";
  var opt = function (name) { return script ? script.getAttribute("data-cxml-" + name) : null; };
  var TEXT = {
    en: { title: "Need help?", helpful: "This helped", dismiss: "Close", thanks: "Thanks for the feedback!" },
    fi: { title: "Tarvitsetko apua?", helpful: "Tästä oli apua", dismiss: "Sulje", thanks: "Kiitos palautteesta!" },
    sv: { title: "Behöver du hjälp?", helpful: "Det här hjälpte", dismiss: "Stäng", thanks: "Tack för din feedback!" }
  };
  var asked = {};
  var shown = null;

  function language() {
    var lang = opt("language") || document.documentElement.getAttribute("lang") || navigator.language || "en";
    return String(lang).toLowerCase().split("-")[0];
  }
  function words() { return TEXT[language()] || TEXT.en; }

  function post(path, body) {
    var headers = { "Content-Type": "application/json" };
    var key = opt("key");
    if (key) { headers.Authorization = "Bearer " + key; }
    return fetch(base + path, { method: "POST", headers: headers, body: JSON.stringify(body), keepalive: true,
                                 mode: "cors", credentials: "omit" });
  }

  function feedback(kind, suggestion, context) {
    return post("/v1/feedback", { kind: kind, article_id: suggestion.article_id, source: "widget",
                                  context: context }).catch(function () { /* feedback is best effort */ });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function show(suggestion, context) {
    if (shown) { shown.remove(); }
    var w = words();
    var card = el("aside", { id: "cxml-card", role: "dialog", "aria-live": "polite",
                              "aria-label": w.title, lang: suggestion.language || language(),
                              "data-article-id": suggestion.article_id,
                              style: "position:fixed;right:16px;bottom:16px;max-width:320px;z-index:2147483000;" +
                                     "background:#fff;color:#222;border:1px solid #ccc;border-radius:8px;" +
                                     "box-shadow:0 4px 16px rgba(0,0,0,.15);padding:14px 16px;" +
                                     "font:14px/1.4 system-ui,sans-serif" });
    var close = el("button", { type: "button", class: "cxml-dismiss", "aria-label": w.dismiss,
                               style: "float:right;border:0;background:none;font-size:18px;cursor:pointer" }, "×");
    var head = el("strong", { style: "display:block;margin-bottom:6px" }, w.title);
    var link = el("a", { class: "cxml-article", href: suggestion.url || "#", target: "_blank",
                         rel: "noopener" }, suggestion.title || suggestion.article_id);
    var helpful = el("button", { type: "button", class: "cxml-helpful",
                                 style: "display:block;margin-top:10px;cursor:pointer" }, w.helpful);
    close.addEventListener("click", function () {
      feedback("article_dismissed", suggestion, context);
      card.remove(); shown = null;
    });
    link.addEventListener("click", function () { feedback("article_clicked", suggestion, context); });
    helpful.addEventListener("click", function () {
      feedback("article_helpful", suggestion, context);
      helpful.replaceWith(el("span", { class: "cxml-thanks", style: "display:block;margin-top:10px" }, w.thanks));
    });
    card.appendChild(close); card.appendChild(head); card.appendChild(link); card.appendChild(helpful);
    document.body.appendChild(card);
    shown = card;
  }

  function ask(code, message) {
    var context = { url: location.href, page_title: document.title, language: language() };
    if (code) { context.error_code = String(code); }
    if (message) { context.error_message = String(message).slice(0, 2000); }
    var segment = opt("segment");
    if (segment) { context.segment = segment; }
    var key = [context.url, context.error_code || "", context.error_message || ""].join("|");
    if (asked[key]) { return asked[key]; }
    asked[key] = post("/v1/proactive", context).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (res) {
        window.cxml.last = res;
        if (res && res.should_offer && res.suggestions && res.suggestions.length) {
          show(res.suggestions[0], { url: context.url, error_code: context.error_code || null });
        }
        return res;
      }).catch(function () { return null; });
    return asked[key];
  }

  function scan(root) {
    var nodes = [];
    if (root.nodeType === 1 && root.hasAttribute("data-cxml-error")) { nodes.push(root); }
    if (root.querySelectorAll) {
      Array.prototype.push.apply(nodes, root.querySelectorAll("[data-cxml-error]"));
    }
    nodes.forEach(function (node) {
      var code = node.getAttribute("data-cxml-error");
      var message = node.getAttribute("data-cxml-error-message") || node.textContent.trim();
      if (code || message) { ask(code, message); }
    });
  }

  window.cxml = window.cxml || {};
  window.cxml.__loaded = true;
  window.cxml.reportError = function (code, message) { return ask(code, message); };
  window.cxml.ask = function () { return ask(null, null); };

  function start() {
    scan(document.body);
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        if (r.type === "attributes") { scan(r.target); }
        Array.prototype.forEach.call(r.addedNodes || [], function (n) { if (n.nodeType === 1) { scan(n); } });
      });
    }).observe(document.body, { subtree: true, childList: true, attributes: true,
                                attributeFilter: ["data-cxml-error"] });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
