// Candor studio keyboard shortcuts (the pages work without this file).
// j/k: next/previous candidate · a: approve · s: snooze · r: reason to reject (Enter rejects)
// e: open the excerpt editor · x: select for bulk · /: search
(function () {
  "use strict";
  function candidates() { return Array.prototype.slice.call(document.querySelectorAll("article.candidate")); }
  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("article.candidate") : null;
  }
  function focusCandidate(el) { if (el) { el.focus(); el.scrollIntoView({ block: "nearest" }); } }
  function typing(el) {
    return el && (el.tagName === "INPUT" && el.type !== "checkbox" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var list = candidates();
    var here = current();
    var key = event.key;
    if (key === "/") { event.preventDefault(); window.location.href = "/search"; return; }
    if (!list.length) { return; }
    if (key === "j" || key === "k") {
      event.preventDefault();
      var i = here ? list.indexOf(here) : -1;
      focusCandidate(list[Math.max(0, Math.min(list.length - 1, i + (key === "j" ? 1 : -1)))] || list[0]);
      return;
    }
    if (!here) { return; }
    var target = here.querySelector("[data-key='" + key + "']");
    if (!target) { return; }
    event.preventDefault();
    if (key === "r") { target.focus(); }
    else if (key === "e") { target.parentElement.open = !target.parentElement.open; if (target.parentElement.open) { target.focus(); } }
    else if (key === "x") { target.checked = !target.checked; }
    else { target.click(); }
  });
  // Excerpt editor: a whole post and some of its sentences exclude each other.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var set = box.closest && box.closest("fieldset.post-choice");
    if (set && box.checked && box.name === "post") {
      set.querySelectorAll("input[name=sentence]").forEach(function (s) { s.checked = false; });
    } else if (set && box.checked && box.name === "sentence") {
      set.querySelector("input[name=post]").checked = false;
    }
    if (box.id === "product-switch") { box.form.submit(); }
  });
  // Enter in a reason field rejects (not approves, the form's first button).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches || !event.target.matches("input[name=reason]")) { return; }
    var reject = event.target.parentElement.querySelector("button[value=rejected]");
    if (reject) { event.preventDefault(); reject.click(); }
  });
  // After an action the page returns to #c-ID: focus that candidate so j/k/a continue from it.
  window.addEventListener("DOMContentLoaded", function () {
    var id = window.location.hash.slice(1);
    var el = id && document.getElementById(id);
    if (el && el.classList.contains("candidate")) { focusCandidate(el); }
  });
})();
