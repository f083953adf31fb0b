"use strict";
(function () {
  var page = document.getElementById("page");
  var words = page.dataset;
  var revealed = {};
  var last = null;
  var MARKS = { pass: "\u2713", warn: "\u2713", tip: "\u2713", fail: "\u2717", error: "!",
    pending: "\u2026", skip: "\u2013", unknown: "\u00b7" };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.setAttribute("class", cls); }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function byId(id) { return document.getElementById(id); }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } }
  function show(e, on) { if (on) { e.removeAttribute("hidden"); } else { e.setAttribute("hidden", ""); } }

  function copy(text, button, pre) {
    function done() {
      button.textContent = words.copied;
      setTimeout(function () { button.textContent = words.copy; }, 1500);
    }
    function select() {
      var range = document.createRange();
      range.selectNodeContents(pre);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      button.textContent = words.select;
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, select);
    } else {
      select();
    }
  }

  function copyable(text) {
    var row = el("div", "command");
    var pre = el("pre", null, text);
    var button = el("button", "copy", words.copy);
    button.setAttribute("type", "button");
    button.addEventListener("click", function () { copy(text, button, pre); });
    row.appendChild(pre);
    row.appendChild(button);
    return row;
  }

  function drawSteps(state) {
    var list = byId("steps");
    clear(list);
    var current = state.current ? state.current.id : null;
    state.steps.forEach(function (s) {
      var li = el("li", s.status + (s.id === current ? " current" : ""));
      li.setAttribute("data-step", s.id);
      li.setAttribute("data-status", s.status);
      li.setAttribute("title", s.word);
      li.appendChild(el("span", "mark", MARKS[s.status] || "\u00b7"));
      li.appendChild(el("span", "title", s.title));
      li.appendChild(el("span", "points", s.earned + "/" + s.points + " " + words.points));
      list.appendChild(li);
    });
  }

  function drawHints(c) {
    var list = byId("hints");
    var button = byId("hint-button");
    var n = Math.min(revealed[c.id] || 0, c.hints.length);
    clear(list);
    for (var i = 0; i < n; i++) { list.appendChild(el("li", null, c.hints[i])); }
    if (c.hints.length === 0) {
      button.textContent = words.noHint;
      button.disabled = true;
    } else if (n >= c.hints.length) {
      button.textContent = words.noHint;
      button.disabled = true;
    } else {
      button.textContent = n === 0 ? words.hint : words.moreHint;
      button.disabled = false;
    }
  }

  function drawCurrent(state) {
    var part = byId("current");
    var c = state.current;
    show(part, !!c);
    // Once every step is done the checklist takes the whole width.
    part.parentNode.setAttribute("class", c ? "columns" : "columns single");
    if (!c) { return; }
    byId("position").textContent = c.position;
    byId("step-title").textContent = c.title;
    byId("instructions").textContent = c.instructions;
    show(byId("console-line"), !!c.console);
    byId("console").textContent = c.console || "";
    var docs = byId("documents");
    clear(docs);
    c.documents.forEach(function (d) {
      var box = el("div", "document");
      box.appendChild(el("p", "name", d.name));
      box.appendChild(copyable(d.text));
      docs.appendChild(box);
    });
    show(byId("documents-part"), c.documents.length > 0);
    var list = byId("findings");
    clear(list);
    c.findings.forEach(function (f) {
      var li = el("li", f.status);
      li.appendChild(el("p", "message", f.message));
      if (f.fix) { li.appendChild(el("p", "fix", f.fix)); }
      f.commands.forEach(function (cmd) { li.appendChild(copyable(cmd)); });
      list.appendChild(li);
    });
    show(byId("findings-part"), c.findings.length > 0);
    drawHints(c);
  }

  function drawRecord(state) {
    var r = state.record;
    show(byId("record-part"), !!r);
    if (!r) { return; }
    byId("record-stream").textContent = r.stream;
    byId("record-line").textContent = r.line;
    var body = byId("record-fields");
    clear(body);
    r.fields.forEach(function (f) {
      var tr = el("tr");
      tr.appendChild(el("td", "field", f.field));
      tr.appendChild(el("td", "value", f.value === null ? "-" : f.value));
      tr.appendChild(el("td", "meaning", f.meaning));
      body.appendChild(tr);
    });
  }

  var drawn = null;

  function draw(state) {
    if (state.checked) { byId("checked").textContent = state.checked; }
    // The time of the check changes every time; the rest seldom. Redrawn only when it changed,
    // so that a selection (a command being copied by hand) is not lost every second.
    var key = JSON.stringify([state.lesson, state.steps, state.current, state.score, state.error,
      state.record, state.done]);
    if (key === drawn) { return; }
    drawn = key;
    last = state;
    byId("lesson").textContent = state.lesson;
    byId("score").textContent = state.score.earned + "/" + state.score.possible + " " +
      words.points + " \u00b7 " + state.score.word;
    byId("error").textContent = state.error || "";
    show(byId("error"), !!state.error);
    show(byId("done"), state.done);
    drawSteps(state);
    drawCurrent(state);
    drawRecord(state);
    page.setAttribute("data-drawn", String(Date.now()));
  }

  byId("hint-button").addEventListener("click", function () {
    if (!last || !last.current) { return; }
    var id = last.current.id;
    revealed[id] = (revealed[id] || 0) + 1;
    drawHints(last.current);
  });

  var events = new EventSource("events");
  events.addEventListener("open", function () { show(byId("lost"), false); });
  events.addEventListener("error", function () { show(byId("lost"), true); });
  events.addEventListener("message", function (e) {
    show(byId("lost"), false);
    try { draw(JSON.parse(e.data)); } catch (err) { show(byId("lost"), true); }
  });
})();
