// Sorts the students table when a column header is clicked. Each student is one <tbody>
// (their row and their folded findings), so the two move together. It reads only the
// data-sort attributes the page was written with; without it the page is complete.
(function () {
  "use strict";
  var table = document.getElementById("students");
  if (!table) {
    return;
  }
  var buttons = table.querySelectorAll("thead button[data-col]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function () {
      var col = Number(button.getAttribute("data-col"));
      var numeric = button.getAttribute("data-type") === "num";
      var head = button.parentNode;
      var ascending = head.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (th) {
        th.removeAttribute("aria-sort");
      });
      head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var key = function (body) {
        var cell = body.rows[0].cells[col];
        return cell ? cell.getAttribute("data-sort") || "" : "";
      };
      var bodies = Array.prototype.slice.call(table.tBodies);
      bodies.sort(function (a, b) {
        var x = key(a);
        var y = key(b);
        var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return ascending ? order : -order;
      });
      bodies.forEach(function (body) {
        table.appendChild(body);
      });
    });
  });
})();
