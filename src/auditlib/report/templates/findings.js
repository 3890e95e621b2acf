// The findings view of an audit run (auditlib): filters, search, sort and pages over the
// findings embedded in this page as JSON. No library, no network: the page's
// Content-Security-Policy allows this script only and loads nothing. Text from the data is
// only ever set with textContent, never parsed as HTML. State lives in the URL fragment
// (#q=..&rule=..&page=..) so a view can be bookmarked and re-opened offline.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("findings-data").textContent);
  var rows = data.rows;  // [n, promise, rule, severity, entity_type, entity_id, message, working, evidence]
  var C = {n: 0, promise: 1, rule: 2, severity: 3, entity: 4, id: 5, message: 6, working: 7, evidence: 8};
  var sevRank = {};
  data.severities.forEach(function (s, i) { sevRank[s] = i; });
  var el = function (id) { return document.getElementById(id); };
  var state = {q: "", promise: "", rule: "", severity: "", entity: "", sort: "severity", dir: "asc",
               page: 1, size: 100};

  function readHash() {
    var h = window.location.hash.replace(/^#/, "");
    h.split("&").forEach(function (kv) {
      if (!kv) { return; }
      var i = kv.indexOf("="), k = decodeURIComponent(i < 0 ? kv : kv.slice(0, i));
      var v = i < 0 ? "" : decodeURIComponent(kv.slice(i + 1).replace(/\+/g, " "));
      if (Object.prototype.hasOwnProperty.call(state, k)) {
        state[k] = (k === "page" || k === "size") ? (parseInt(v, 10) || state[k]) : v;
      }
    });
    if ([25, 50, 100, 250, 1000].indexOf(state.size) < 0) { state.size = 100; }
  }

  function writeHash() {
    var parts = [];
    Object.keys(state).forEach(function (k) {
      if (state[k] !== "" && state[k] !== null) {
        parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(String(state[k])));
      }
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "#" + parts.join("&"));
    }
  }

  function fillSelect(id, values, label) {
    var s = el(id);
    var all = document.createElement("option");
    all.value = ""; all.textContent = "all " + label;
    s.appendChild(all);
    values.forEach(function (v) {
      var o = document.createElement("option");
      o.value = v; o.textContent = v;
      s.appendChild(o);
    });
  }

  function distinct(col) {
    var seen = {}, out = [];
    for (var i = 0; i < rows.length; i++) {
      var v = rows[i][col];
      if (!seen[v]) { seen[v] = 1; out.push(v); }
    }
    return out.sort();
  }

  function matches() {
    var q = state.q.trim().toLowerCase(), out = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (state.promise && r[C.promise] !== state.promise) { continue; }
      if (state.rule && r[C.rule] !== state.rule) { continue; }
      if (state.severity && r[C.severity] !== state.severity) { continue; }
      if (state.entity && r[C.entity] !== state.entity) { continue; }
      if (q && String(r[C.id]).toLowerCase().indexOf(q) < 0 && String(r[C.n]) !== q
          && r[C.rule].toLowerCase() !== q) { continue; }
      out.push(r);
    }
    var col = C[state.sort] === undefined ? C.severity : C[state.sort];
    var sign = state.dir === "desc" ? -1 : 1;
    var key = function (r) {
      if (col === C.severity) { return sevRank[r[col]]; }
      return r[col];
    };
    out.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (col === C.id) {  // numeric ids as numbers, anything else as text
        if (/^\d+$/.test(x) && /^\d+$/.test(y)) { x = +x; y = +y; } else { x = String(x); y = String(y); }
      }
      if (x < y) { return -sign; }
      if (x > y) { return sign; }
      return a[C.n] - b[C.n];
    });
    return out;
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
  }

  function render() {
    var m = matches(), pages = Math.max(1, Math.ceil(m.length / state.size));
    if (state.page > pages) { state.page = pages; }
    if (state.page < 1) { state.page = 1; }
    var start = (state.page - 1) * state.size, end = Math.min(m.length, start + state.size);
    var body = el("findings-body"), frag = document.createDocumentFragment();
    for (var i = start; i < end; i++) {
      var r = m[i], tr = document.createElement("tr");
      tr.setAttribute("data-n", r[C.n]);
      cell(tr, r[C.n], "num");
      cell(tr, r[C.promise], "small");
      cell(tr, r[C.rule], "id");
      cell(tr, r[C.severity], "sev " + r[C.severity]);
      cell(tr, r[C.entity] + " " + r[C.id], "mono");
      cell(tr, r[C.message]);
      cell(tr, r[C.working] ? r[C.working] + (r[C.evidence] ? " | " + r[C.evidence] : "")
                            : r[C.evidence], "small");
      frag.appendChild(tr);
    }
    body.textContent = "";
    body.appendChild(frag);
    var st = el("findings-status");
    st.textContent = (m.length ? "Showing " + (start + 1) + "–" + end + " of " : "Showing 0 of ")
      + m.length + " matching finding(s) (" + rows.length + " in this run); page " + state.page
      + " of " + pages + ".";
    st.setAttribute("data-matching", String(m.length));
    st.setAttribute("data-page", String(state.page));
    st.setAttribute("data-pages", String(pages));
    st.setAttribute("data-shown", String(end - start));
    el("prev").disabled = state.page <= 1;
    el("next").disabled = state.page >= pages;
    Array.prototype.forEach.call(document.querySelectorAll("th[data-sort]"), function (th) {
      var k = th.getAttribute("data-sort");
      th.setAttribute("aria-sort", k === state.sort ? (state.dir === "asc" ? "ascending" : "descending") : "none");
    });
    writeHash();
  }

  readHash();
  fillSelect("f-promise", data.promises, "promises");
  fillSelect("f-rule", distinct(C.rule), "rules");
  fillSelect("f-severity", data.severities.filter(function (s) {
    return rows.some(function (r) { return r[C.severity] === s; });
  }), "severities");
  fillSelect("f-entity", distinct(C.entity), "entity types");
  var bind = {"f-q": "q", "f-promise": "promise", "f-rule": "rule", "f-severity": "severity",
              "f-entity": "entity", "f-size": "size"};
  Object.keys(bind).forEach(function (id) {
    var k = bind[id], input = el(id);
    input.value = String(state[k]);
    input.addEventListener(id === "f-q" ? "input" : "change", function () {
      state[k] = k === "size" ? parseInt(input.value, 10) : input.value;
      state.page = 1;
      render();
    });
  });
  el("prev").addEventListener("click", function () { state.page -= 1; render(); });
  el("next").addEventListener("click", function () { state.page += 1; render(); });
  Array.prototype.forEach.call(document.querySelectorAll("th[data-sort]"), function (th) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "sort"; b.textContent = th.textContent;
    th.textContent = ""; th.appendChild(b);
    b.addEventListener("click", function () {
      var k = th.getAttribute("data-sort");
      state.dir = state.sort === k && state.dir === "asc" ? "desc" : "asc";
      state.sort = k; state.page = 1; render();
    });
  });
  el("controls").hidden = false;
  el("findings-live").hidden = false;
  render();
}());
