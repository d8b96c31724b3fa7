/* Candor embed: one tag puts a product's mash-up on any page.

     <script src="https://example.com/proof/embed.js" data-product="SLUG" async></script>

   It fetches fragments/SLUG.html from the release that served this file and inserts its
   <section> right after the tag (or into the element whose id is in data-target). No
   dependencies, no cookies (credentials "omit"), no request to any other host than the one
   embed.js came from. When the page already holds the mash-up (included server-side, which
   also works without JavaScript) it does nothing. Published minified as embed.js in every
   release (publisher/embed.py); this file is the source.

   When the product runs an experiment, it fetches fragments/SLUG.VARIANT.html instead: the
   variant is picked from the page's address (origin + path) and the current slot of
   slot_minutes on the clock, hashed with the experiment's name (publisher/variants.py does the
   same arithmetic), so the same page request always gets the same variant, with no cookie and
   nothing stored. ?candor-variant=NAME on the page's address shows that variant. */
(function () {
  "use strict";
  var experiments = /*experiments*/ {};
  var d = document;
  var s = d.currentScript;
  if (!s || !window.fetch) return;
  var slug = s.getAttribute("data-product") || "";
  if (!/^[a-z0-9][a-z0-9-]*$/.test(slug)) return;
  if (d.getElementById("candor-" + slug + "-heading")) return;
  var base = new URL(".", s.src);
  var css = new URL("static/candor.css", base).href;
  var links = d.querySelectorAll("link[rel=stylesheet]");
  var i;
  for (i = 0; i < links.length && links[i].href !== css; i++);
  if (i === links.length) {
    var link = d.createElement("link");
    link.rel = "stylesheet";
    link.href = css;
    d.head.appendChild(link);
  }
  var box = d.getElementById(s.getAttribute("data-target") || "");
  if (!box) {
    box = d.createElement("div");
    box.className = "candor-embed";
    s.parentNode.insertBefore(box, s.nextSibling);
  }
  var file = slug;
  var x = experiments[slug];
  if (x) {
    var v = (location.search.match(/[?&]candor-variant=([a-z0-9-]+)/) || [])[1];
    if (x.variants.indexOf(v) < 0) {
      var slot = x.slot_minutes ? Math.floor(Date.now() / 60000 / x.slot_minutes) : 0;
      v = x.variants[pick(x.name + "|" + location.origin + location.pathname + "|" + slot) % x.variants.length];
    }
    file = slug + "." + v;
    box.setAttribute("data-candor-variant", v);
  }
  fetch(new URL("fragments/" + file + ".html", base).href, { credentials: "omit" })
    .then(function (r) {
      if (!r.ok) throw new Error("Candor: no mash-up for " + slug + " (HTTP " + r.status + ")");
      return r.text();
    })
    .then(function (html) {
      // Parsed into an inert template; scripts parsed this way never run. Belt and braces on
      // top of the release's validation: no event handler survives, and a link keeps only an
      // http(s), mailto or relative target (control characters removed first, as browsers do).
      var t = d.createElement("template");
      t.innerHTML = html;
      var all = t.content.querySelectorAll("*");
      for (var j = 0; j < all.length; j++) {
        for (var k = all[j].attributes.length; k--; ) {
          var a = all[j].attributes[k];
          var v = a.value.replace(/[\s\x00-\x1f]/g, "");
          if (/^on/i.test(a.name) || (/^(href|src)$/i.test(a.name) && !/^(https?:|mailto:|[^:]*$)/i.test(v))) all[j].removeAttribute(a.name);
        }
      }
      var section = t.content.querySelector("section.candor");
      if (section && !d.getElementById("candor-" + slug + "-heading")) box.appendChild(section);
    })
    .catch(function (e) {
      if (window.console) console.warn(e.message || e);
    });
  // FNV-1a over UTF-16 code units, then MurmurHash3's fmix32: an unsigned 32-bit number.
  function pick(t) {
    for (var h = 2166136261, i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 16777619);
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^ (h >>> 16)) >>> 0;
  }
})();
