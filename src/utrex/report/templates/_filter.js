/* Filtering for the report: reads data-* attributes only; works on every section.rule on the page. */
(function () {
  "use strict";
  var bar = document.getElementById("filters");
  if (!bar) { return; }
  bar.hidden = false;
  var q = document.getElementById("f-text"), sev = document.getElementById("f-severity"),
      rule = document.getElementById("f-rule"), school = document.getElementById("f-school"),
      student = document.getElementById("f-student"), out = document.getElementById("f-count"),
      status = document.getElementById("f-status");
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.rule"));
  var rowsOf = sections.map(function (s) { return Array.prototype.slice.call(s.querySelectorAll("tbody tr")); });
  var textOf = new Map();
  function text(tr) {
    var t = textOf.get(tr);
    if (t === undefined) { t = tr.textContent.toLowerCase(); textOf.set(tr, t); }
    return t;
  }
  function apply() {
    var fq = q.value.trim().toLowerCase(), fs = sev.value, fr = rule.value, fsc = school.value,
        fst = student.value.trim(), fstat = status ? status.value : "", shown = 0;
    var rowFilter = fq || fsc || fst;
    sections.forEach(function (s, i) {
      var on = (!fs || s.dataset.severity === fs) && (!fr || s.dataset.rule === fr) &&
               (!fstat || s.dataset.status === fstat);
      var visible = 0;
      rowsOf[i].forEach(function (tr) {
        var ok = on && (!fsc || tr.dataset.school === fsc) &&
                 (!fst || tr.dataset.student.indexOf(fst) === 0 || tr.dataset.ssid.indexOf(fst) === 0) &&
                 (!fq || text(tr).indexOf(fq) !== -1);
        tr.hidden = !ok;
        if (ok) { visible += 1; }
      });
      s.hidden = !on || (rowFilter && visible === 0);
      var c = s.querySelector(".match");
      if (c) { c.textContent = rowFilter ? visible + " shown by the filter" : ""; }
      shown += s.hidden ? 0 : visible;
    });
    out.value = shown.toLocaleString() + " row(s) shown";
  }
  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(apply, 150); }
  [sev, rule, school].concat(status ? [status] : []).forEach(function (el) { el.addEventListener("change", apply); });
  [q, student].forEach(function (el) { el.addEventListener("input", later); });
  document.getElementById("f-clear").addEventListener("click", function () {
    q.value = ""; student.value = ""; sev.value = ""; rule.value = ""; school.value = "";
    if (status) { status.value = ""; }
    apply();
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-pick-school]"), function (g) {
    g.addEventListener("click", function () { school.value = g.getAttribute("data-pick-school"); apply();
      bar.scrollIntoView(); });
  });
  apply();
})();
