/**
 * The script inlined in the HTML report (plain browser JavaScript, kept as text: the page must work
 * from a file with no network). It reads the charts' data from the page's JSON block and draws each
 * `[data-chart]` element as SVG: lines (learning curves, train dashed and held-out solid; the
 * evaluation curves on fixed 0..1 axes, with grey reference lines and marked operating points) and
 * sweep scatters (a parameter against the objective, each run in its colour), and a sweep's trials:
 * parallel coordinates (an axis per parameter and the metric, a line per trial coloured by its value;
 * a missing parameter at the axis's "n/a" place) and the best value so far (a stepped line, a point
 * per trial). A drawn chart gets `data-drawn="true"` and `data-paths` (the lines or points it drew;
 * the best-so-far chart also `data-points`), a failed one `data-error`: what the browser test looks for.
 */
export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var W = 640, H = 330, M = { l: 64, r: 18, t: 16, b: 46 };
  var data = JSON.parse(document.getElementById('qqp-data').textContent);

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) if (attrs[k] !== undefined) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, attrs) {
    var t = el('text', Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = s;
    return t;
  }
  function fmt(v) {
    if (v === 0) return '0';
    var a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('.0e', 'e');
    return String(Number(v.toPrecision(4)));
  }
  // Round tick values covering [min, max], about n of them.
  function niceTicks(min, max, n, integer) {
    if (min === max) { var pad = Math.abs(min) * 0.05 || 0.5; min -= pad; max += pad; }
    var raw = (max - min) / n;
    var step = Math.pow(10, Math.floor(Math.log10(raw)));
    var r = raw / step;
    step *= r >= 7.5 ? 10 : r >= 3.5 ? 5 : r >= 1.5 ? 2 : 1;
    if (integer) step = Math.max(1, Math.round(step));
    var lo = Math.floor(min / step) * step, hi = Math.ceil(max / step) * step, out = [];
    for (var v = lo; v <= hi + step / 2; v += step) out.push(Number(v.toFixed(10)));
    return { lo: lo, hi: hi, ticks: out };
  }
  function logTicks(min, max) {
    var lo = Math.floor(Math.log10(min)), hi = Math.ceil(Math.log10(max)), out = [];
    if (lo === hi) hi = lo + 1;
    for (var p = lo; p <= hi; p++) out.push(Math.pow(10, p));
    return { lo: Math.pow(10, lo), hi: Math.pow(10, hi), ticks: out };
  }

  // Axes, grid and labels; returns the plot group and the two scales.
  function frame(host, spec, xAxis, yValues) {
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': spec.title, class: 'chart-svg' });
    host.appendChild(svg);
    var pw = W - M.l - M.r, ph = H - M.t - M.b;
    var yt;
    if (spec.yDomain) yt = niceTicks(spec.yDomain[0], spec.yDomain[1], 5, false);
    else {
      var ymin = Math.min.apply(null, yValues), ymax = Math.max.apply(null, yValues);
      // A little room above and below, so no point sits on the frame.
      var ypad = (ymax - ymin) * 0.04;
      yt = niceTicks(ymin - ypad, ymax + ypad, 5, false);
    }
    var y = function (v) { return M.t + ph - ((v - yt.lo) / (yt.hi - yt.lo)) * ph; };
    var x = xAxis.scale(pw);
    var grid = el('g', { class: 'grid' }, svg);
    yt.ticks.forEach(function (t) {
      el('line', { x1: M.l, x2: M.l + pw, y1: y(t), y2: y(t) }, grid);
      text(svg, M.l - 6, y(t) + 4, fmt(t), { 'text-anchor': 'end', class: 'tick' });
    });
    xAxis.ticks.forEach(function (t) {
      var px = x(t.value);
      el('line', { x1: px, x2: px, y1: M.t, y2: M.t + ph }, grid);
      text(svg, px, M.t + ph + 16, t.label, { 'text-anchor': 'middle', class: 'tick' });
    });
    el('rect', { x: M.l, y: M.t, width: pw, height: ph, class: 'plot-frame' }, svg);
    text(svg, M.l + pw / 2, H - 8, spec.xLabel, { 'text-anchor': 'middle', class: 'axis-label' });
    var yl = text(svg, 14, M.t + ph / 2, spec.yLabel, { 'text-anchor': 'middle', class: 'axis-label' });
    yl.setAttribute('transform', 'rotate(-90 14 ' + (M.t + ph / 2) + ')');
    return { svg: svg, x: x, y: y };
  }

  // pad: a fraction of the span left empty at each end (scatters), so points stay off the frame.
  function numericAxis(values, integer, log, pad, domain) {
    var min = Math.min.apply(null, values), max = Math.max.apply(null, values);
    var t = domain ? niceTicks(domain[0], domain[1], 5, false)
      : log ? logTicks(min, max) : niceTicks(min, max, Math.min(8, Math.max(2, values.length)), integer);
    var f = log ? Math.log10 : function (v) { return v; };
    var lo = f(t.lo), hi = f(t.hi), extra = (hi - lo) * (pad || 0);
    lo -= extra;
    hi += extra;
    return {
      ticks: t.ticks.map(function (v) { return { value: v, label: fmt(v) }; }),
      scale: function (pw) {
        return function (v) { return M.l + ((f(v) - lo) / (hi - lo)) * pw; };
      },
    };
  }

  function legend(host, entries) {
    var box = document.createElement('div');
    box.className = 'legend';
    entries.forEach(function (e) {
      var item = document.createElement('span');
      item.className = 'legend-item';
      item.setAttribute('data-series', e.key);
      item.title = 'click to hide or show';
      var sw = document.createElement('i');
      sw.style.background = e.color;
      item.appendChild(sw);
      item.appendChild(document.createTextNode(e.label));
      item.addEventListener('click', function () {
        item.classList.toggle('off');
        host.querySelectorAll('[data-series="' + e.key + '"]').forEach(function (n) {
          if (n !== item) n.classList.toggle('hidden');
        });
      });
      box.appendChild(item);
    });
    host.appendChild(box);
  }

  function drawCurves(host, spec) {
    var xs = [], ys = [];
    spec.lines.forEach(function (l) { l.points.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); }); });
    if (!ys.length) throw new Error('no values');
    var f = frame(host, spec, numericAxis(xs, spec.xInteger !== false, false, 0, spec.xDomain), ys);
    (spec.refs || []).forEach(function (r) {
      var line = el('line', { x1: f.x(r.from[0]), y1: f.y(r.from[1]), x2: f.x(r.to[0]), y2: f.y(r.to[1]), class: 'ref' }, f.svg);
      el('title', {}, line).textContent = r.label;
    });
    var paths = 0;
    spec.lines.forEach(function (l) {
      var g = el('g', { 'data-series': l.key }, f.svg);
      var d = l.points.map(function (p, i) { return (i ? 'L' : 'M') + f.x(p[0]).toFixed(1) + ' ' + f.y(p[1]).toFixed(1); }).join(' ');
      var path = el('path', { d: d, class: 'line', stroke: l.color, 'stroke-dasharray': l.dashed ? '5 4' : undefined }, g);
      el('title', {}, path).textContent = l.label;
      paths++;
      if (spec.dots === false) return;
      l.points.forEach(function (p) {
        var c = el('circle', { cx: f.x(p[0]), cy: f.y(p[1]), r: 2.6, fill: l.color, class: 'dot' }, g);
        el('title', {}, c).textContent = l.label + '\n' + spec.xLabel + ' ' + fmt(p[0]) + ': ' + fmt(p[1]);
      });
    });
    (spec.marks || []).forEach(function (m) {
      var g = el('g', { 'data-series': m.key }, f.svg);
      var cx = f.x(m.x), cy = f.y(m.y), s;
      if (m.shape === 'square') s = el('rect', { x: cx - 4, y: cy - 4, width: 8, height: 8, fill: m.color, class: 'mark' }, g);
      else s = el('circle', { cx: cx, cy: cy, r: 4.5, fill: m.color, class: 'mark' }, g);
      el('title', {}, s).textContent = m.label;
    });
    if (spec.legend.length) legend(host, spec.legend);
    return paths;
  }

  function drawScatter(host, spec) {
    var ys = spec.points.map(function (p) { return p.y; });
    if (!ys.length) throw new Error('no values');
    var axis;
    if (spec.categories) {
      var n = spec.categories.length;
      axis = {
        ticks: spec.categories.map(function (c, i) { return { value: i, label: c }; }),
        scale: function (pw) { return function (i) { return M.l + ((i + 0.5) / n) * pw; }; },
      };
    } else {
      axis = numericAxis(spec.points.map(function (p) { return p.x; }), false, spec.log, 0.05);
    }
    var f = frame(host, spec, axis, ys);
    var g = el('g', {}, f.svg);
    var paths = 0;
    spec.points.forEach(function (p) {
      var xv = spec.categories ? spec.categories.indexOf(String(p.x)) : p.x;
      var cx = f.x(xv), cy = f.y(p.y);
      // A small diamond per run: a path, so it counts among the drawn paths.
      var d = 'M' + cx + ' ' + (cy - 5) + ' L' + (cx + 5) + ' ' + cy + ' L' + cx + ' ' + (cy + 5) + ' L' + (cx - 5) + ' ' + cy + ' Z';
      var m = el('path', { d: d, fill: p.color, class: p.best ? 'point best' : 'point' }, g);
      el('title', {}, m).textContent = p.label + (p.best ? ' (best)' : '') + '\n' + spec.xLabel + ' = ' + p.x + '\n' + spec.yLabel + ' = ' + fmt(p.y);
      paths++;
    });
    return paths;
  }

  // Parallel coordinates: an axis per parameter and the metric, a line per trial through them.
  function drawParallel(host, spec) {
    if (!spec.lines.length) throw new Error('no values');
    var n = spec.axes.length;
    var PW = Math.max(860, 170 * n), PH = 400, top = 40, bottom = 60, side = 80;
    var ph = PH - top - bottom, NA = 34;
    var svg = el('svg', { viewBox: '0 0 ' + PW + ' ' + PH, role: 'img', 'aria-label': spec.title, class: 'chart-svg wide-svg' });
    host.appendChild(svg);
    var xs = spec.axes.map(function (a, i) { return side + (n === 1 ? 0 : (i * (PW - 2 * side)) / (n - 1)); });
    // Each axis: a function from a value (null: n/a) to a height, and its tick labels.
    var scales = spec.axes.map(function (a, i) {
      var naY = top + ph + NA;
      if (a.kind === 'categorical') {
        var cats = a.categories || [];
        return {
          y: function (v) { return v === null ? naY : top + ((cats.indexOf(String(v)) + 0.5) / cats.length) * ph; },
          ticks: cats.map(function (c, k) { return { y: top + ((k + 0.5) / cats.length) * ph, label: c }; }),
        };
      }
      var vals = spec.lines.map(function (l) { return l.values[i]; }).filter(function (v) { return typeof v === 'number'; });
      // Only trials without a value have this parameter: every line is at n/a.
      if (!vals.length) return { y: function () { return naY; }, ticks: [] };
      var f = a.log ? Math.log10 : function (v) { return v; };
      var lo = f(Math.min.apply(null, vals)), hi = f(Math.max.apply(null, vals));
      var at = function (u) { return hi === lo ? top + ph / 2 : top + ph - ((u - lo) / (hi - lo)) * ph; };
      // Ticks: the ends, and between them the powers of ten (log) or three even steps (linear).
      var us = hi === lo ? [lo] : [lo, hi];
      if (a.log) for (var p = Math.ceil(lo + 1e-9); p < hi - 1e-9; p++) us.push(p);
      else if (hi > lo) for (var k = 1; k < 4; k++) us.push(lo + (k * (hi - lo)) / 4);
      var ticks = us.map(function (u) { return { y: at(u), label: fmt(a.log ? Math.pow(10, u) : u) }; });
      return { y: function (v) { return v === null ? naY : at(f(v)); }, ticks: ticks };
    });
    var lines = el('g', {}, svg), paths = 0;
    spec.lines.forEach(function (l) {
      var d = l.values.map(function (v, i) { return (i ? 'L' : 'M') + xs[i].toFixed(1) + ' ' + scales[i].y(v).toFixed(1); }).join(' ');
      var path = el('path', { d: d, stroke: l.color, class: l.best ? 'pc-line best' : 'pc-line' }, lines);
      el('title', {}, path).textContent = l.label;
      paths++;
    });
    spec.axes.forEach(function (a, i) {
      var g = el('g', { class: 'pc-axis', 'data-axis': a.label }, svg);
      el('title', {}, g).textContent = a.title + (a.log ? ' (log scale)' : '');
      el('line', { x1: xs[i], x2: xs[i], y1: top, y2: top + ph }, g);
      text(g, xs[i], top - 14, a.label, { 'text-anchor': 'middle', class: 'axis-label' });
      scales[i].ticks.forEach(function (t) {
        el('line', { x1: xs[i] - 4, x2: xs[i], y1: t.y, y2: t.y }, g);
        text(g, xs[i] - 7, t.y + 4, t.label, { 'text-anchor': 'end', class: 'tick' });
      });
      if (a.na) {
        el('line', { x1: xs[i], x2: xs[i], y1: top + ph, y2: top + ph + NA, class: 'na-mark' }, g);
        text(g, xs[i] - 7, top + ph + NA + 4, 'n/a', { 'text-anchor': 'end', class: 'tick' });
      }
    });
    return paths;
  }

  // Best so far by trial: a stepped line, and a point per trial at its own value.
  function drawProgress(host, spec) {
    var ys = spec.points.map(function (p) { return p.y; });
    if (!ys.length) throw new Error('no values');
    var xs = spec.steps.map(function (s) { return s[0]; });
    var f = frame(host, spec, numericAxis(xs, true, false, 0.03), ys);
    var d = '';
    spec.steps.forEach(function (s, i) {
      var x = f.x(s[0]).toFixed(1), y = f.y(s[1]).toFixed(1);
      if (i === 0) d = 'M' + x + ' ' + y;
      else d += ' L' + x + ' ' + f.y(spec.steps[i - 1][1]).toFixed(1) + ' L' + x + ' ' + y;
    });
    el('title', {}, el('path', { d: d, class: 'step-line' }, f.svg)).textContent = spec.title;
    var g = el('g', {}, f.svg);
    spec.points.forEach(function (p) {
      var c = el('circle', { cx: f.x(p.x), cy: f.y(p.y), r: p.best ? 5.5 : 4.5, class: p.best ? 'trial-point best' : 'trial-point' }, g);
      el('title', {}, c).textContent = p.label;
    });
    host.setAttribute('data-points', String(spec.points.length));
    return 1;
  }

  var DRAW = { scatter: drawScatter, curves: drawCurves, parallel: drawParallel, progress: drawProgress };
  var drawn = 0;
  document.querySelectorAll('[data-chart]').forEach(function (host) {
    var spec = data.charts[host.getAttribute('data-chart')];
    try {
      if (!spec) throw new Error('no data for this chart');
      var draw = DRAW[spec.kind];
      if (!draw) throw new Error('no way to draw a chart of kind ' + spec.kind);
      var paths = draw(host, spec);
      host.setAttribute('data-paths', String(paths));
      host.setAttribute('data-drawn', 'true');
      drawn++;
    } catch (e) {
      host.setAttribute('data-error', String(e && e.message));
      host.appendChild(document.createTextNode('This chart could not be drawn: ' + (e && e.message)));
    }
  });
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();
`;
