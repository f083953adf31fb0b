"use strict";
(function () {
  var MARK = { pass: "\u2713", tip: "\u2713", warn: "\u2713", fail: "\u2717", error: "!",
    pending: "\u2026", skip: "\u2013", unknown: "?" };
  var SVG = "http://www.w3.org/2000/svg";
  var state = null;
  var chosen = null;
  var before = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.setAttribute("class", cls); }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } }
  function byId(id) { return document.getElementById(id); }
  function key(s) { return s.name + "\u0000" + (s.account || ""); }

  function header(s) {
    if (s.graded) { byId("graded").textContent = s.graded; }
    byId("next").textContent = s.next || "";
    var b = byId("backoff");
    b.textContent = s.backoff || "";
    b.hidden = !s.backoff;
  }

  function grid(s) {
    var head = byId("head");
    while (head.children.length > 1) { head.removeChild(head.lastChild); }
    s.steps.forEach(function (step, i) {
      var th = el("th", "step", String(i + 1));
      th.setAttribute("scope", "col");
      th.setAttribute("title", step.title);
      head.appendChild(th);
    });
    head.appendChild(el("th", "score", s.words.score));
    var legend = byId("legend");
    clear(legend);
    s.steps.forEach(function (step) { legend.appendChild(el("li", null, step.title)); });
    var rows = byId("rows");
    clear(rows);
    var seen = {};
    s.students.forEach(function (st) {
      var tr = el("tr");
      var sig = st.cells.join(",");
      var k = key(st);
      seen[k] = sig;
      if (before[k] !== undefined && before[k] !== sig) { tr.setAttribute("class", "changed"); }
      tr.setAttribute("data-student", st.name);
      var name = el("td", "name");
      var button = el("button", "name", st.name);
      button.setAttribute("type", "button");
      button.addEventListener("click", function () { chosen = k; detail(); });
      name.appendChild(button);
      if (st.step) {
        name.appendChild(el("span", "when", st.step + (st.on_step_text ? " \u00b7 " + st.on_step_text : "")));
      }
      if (st.not_graded) { name.appendChild(el("span", "why", st.not_graded)); }
      tr.appendChild(name);
      st.cells.forEach(function (c, i) {
        var td = el("td", "cell s-" + c, MARK[c] || "?");
        var word = s.words.statuses[c] || c;
        td.setAttribute("title", s.steps[i].title + ": " + word);
        td.setAttribute("data-status", c);
        tr.appendChild(td);
      });
      var read = st.score !== null && st.score !== undefined;
      var score = el("td", "score s-" + st.status, read ? st.score + "/" + s.possible : "\u2014");
      score.setAttribute("title", st.status_word);
      tr.appendChild(score);
      rows.appendChild(tr);
    });
    before = seen;
  }

  function detail() {
    var box = byId("detail");
    if (!state || chosen === null) { box.hidden = true; return; }
    var st = null;
    state.students.forEach(function (x) { if (key(x) === chosen) { st = x; } });
    if (!st) { box.hidden = true; return; }
    box.hidden = false;
    byId("detail-name").textContent = st.name + (st.account ? " (" + st.account + ")" : "");
    byId("detail-state").textContent = st.not_graded || st.status_word;
    var list = byId("detail-findings");
    clear(list);
    if (st.findings.length === 0 && !st.not_graded) {
      list.appendChild(el("li", null, state.words.no_findings));
    }
    st.findings.forEach(function (f) {
      var li = el("li");
      li.appendChild(el("strong", null, f.step + ": "));
      li.appendChild(el("span", null, f.message));
      if (f.fix) { li.appendChild(el("span", "fix", f.fix)); }
      list.appendChild(li);
    });
  }

  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { e.textContent = String(text); }
    return e;
  }

  function chart(s) {
    var box = byId("chart");
    clear(box);
    var pts = s.progress;
    if (pts.length === 0) { box.appendChild(el("p", "hint", s.words.chart_empty)); return; }
    var w = 640, h = 200, left = 36, bottom = 24, top = 10, right = 10;
    var root = svg("svg", { viewBox: "0 0 " + w + " " + h, role: "img" });
    root.appendChild(svg("title", {}, s.words.chart));
    var max = Math.max(1, s.possible);
    var first = pts[0].round, last = pts[pts.length - 1].round;
    var span = Math.max(1, last - first);
    function x(r) { return left + (w - left - right) * (r - first) / span; }
    function y(v) { return h - bottom - (h - bottom - top) * v / max; }
    root.appendChild(svg("line", { x1: left, y1: y(0), x2: w - right, y2: y(0), "class": "axis" }));
    root.appendChild(svg("line", { x1: left, y1: y(max), x2: w - right, y2: y(max), "class": "axis" }));
    root.appendChild(svg("text", { x: 2, y: y(max) + 4 }, max));
    root.appendChild(svg("text", { x: 2, y: y(0) + 4 }, 0));
    root.appendChild(svg("text", { x: left, y: h - 6 }, first));
    root.appendChild(svg("text", { x: w - right - 24, y: h - 6 }, last));
    var line = pts.map(function (p) { return x(p.round).toFixed(1) + "," + y(p.mean).toFixed(1); });
    if (pts.length === 1) { line.push((w - right) + "," + y(pts[0].mean).toFixed(1)); }
    root.appendChild(svg("polyline", { points: line.join(" "), "class": "mean" }));
    box.appendChild(root);
  }

  function draw(s) {
    state = s;
    header(s);
    grid(s);
    detail();
    chart(s);
    document.body.setAttribute("data-round", String(s.round));
  }

  var source = new EventSource("events");
  source.addEventListener("message", function (e) {
    byId("lost").hidden = true;
    try { draw(JSON.parse(e.data)); } catch (err) { byId("lost").hidden = false; }
  });
  source.addEventListener("error", function () { byId("lost").hidden = false; });
})();
