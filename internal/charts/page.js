// Draws the figures of #chart-data as SVG (internal/charts). No network, no library.
(function () {
  'use strict';
  var figs = JSON.parse(document.getElementById('chart-data').textContent);
  var main = document.getElementById('charts');
  var NS = 'http://www.w3.org/2000/svg';
  var W = 920, H = 280, L = 66, R = 18, T = 22, B = 42;
  var tip = document.createElement('div');
  tip.className = 'tip';
  document.body.appendChild(tip);

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function present(v) { return v !== null && v !== undefined && isFinite(v); }
  function num(v) {
    var a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 100) return String(Math.round(v));
    return String(Number(v.toPrecision(3)));
  }
  function fmt(v, unit) {
    if (!present(v)) return '–';
    switch (unit) {
      case 'ms': return num(v) + ' ms';
      case 's': return num(v) + ' s';
      case '%': return num(v) + '%';
      case '/s': return num(v) + '/s';
      default: return num(v);
    }
  }
  function niceStep(range, n) {
    var raw = range / n, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function linTicks(lo, hi, n) {
    var st = niceStep(hi - lo || 1, n), out = [];
    for (var v = Math.ceil(lo / st) * st; v <= hi + st * 1e-9; v += st) out.push(Number(v.toPrecision(12)));
    return out;
  }
  function logTicks(lo, hi) {
    var out = [];
    for (var k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++)
      [1, 2, 5].forEach(function (m) { var v = m * Math.pow(10, k); if (v >= lo && v <= hi) out.push(Number(v.toPrecision(6))); });
    return out;
  }

  function draw(f) {
    var fig = document.createElement('figure');
    fig.className = 'chart';
    fig.id = f.id;
    var cap = document.createElement('figcaption');
    cap.textContent = f.title;
    fig.appendChild(cap);
    var legend = document.createElement('div');
    legend.className = 'legend';
    fig.appendChild(legend);
    f.series.forEach(function (s) {
      var sp = document.createElement('span'), sw = document.createElement('i');
      sw.className = 'sw' + (f.kind === 'stacked' ? ' block' : '') + (s.dash ? ' dash' : '');
      sw.style.color = 'var(--c-' + s.role + ')';
      sp.appendChild(sw);
      sp.appendChild(document.createTextNode(s.name));
      legend.appendChild(sp);
    });
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': f.title });
    fig.appendChild(svg);
    main.appendChild(fig);

    var per = f.per || 0, stacked = f.kind === 'stacked';
    var xs = {}, xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
    f.series.forEach(function (s) {
      s.x.forEach(function (x, i) {
        xs[x] = true;
        xlo = Math.min(xlo, x);
        xhi = Math.max(xhi, x + (stacked ? per : 0));
        var v = s.y[i];
        if (!stacked && present(v) && (!f.y.log || v > 0)) { ylo = Math.min(ylo, v); yhi = Math.max(yhi, v); }
      });
    });
    (f.marks || []).forEach(function (m) { xlo = Math.min(xlo, m.x); xhi = Math.max(xhi, m.x); });
    var sums = {};
    if (stacked) {
      f.series.forEach(function (s) { s.x.forEach(function (x, i) { if (present(s.y[i]) && s.y[i] > 0) sums[x] = (sums[x] || 0) + s.y[i]; }); });
      ylo = 0; yhi = 0;
      for (var k in sums) yhi = Math.max(yhi, sums[k]);
    }
    if (!isFinite(xlo)) { xlo = 0; xhi = 1; }
    if (xhi === xlo) { xlo -= 0.5; xhi += 0.5; }
    var ticksX = f.x.ticks && f.x.ticks.length ? f.x.ticks : null;
    if (ticksX && !stacked) { var pad = (xhi - xlo) * 0.04; xlo -= pad; xhi += pad; }
    if (!isFinite(ylo)) { ylo = f.y.log ? 0.1 : 0; yhi = 1; }
    if (f.y.log) {
      ylo = Math.pow(10, Math.floor(Math.log10(ylo) * 4) / 4);
      yhi = Math.pow(10, Math.ceil(Math.log10(yhi * 1.05) * 4) / 4);
      if (yhi <= ylo) yhi = ylo * 10;
    } else {
      ylo = Math.min(0, ylo);
      yhi = yhi > 0 ? yhi * 1.08 : 1;
    }
    var pw = W - L - R, ph = H - T - B;
    function X(x) { return L + (x - xlo) / (xhi - xlo) * pw; }
    function Y(v) {
      var r = f.y.log ? (Math.log(v) - Math.log(ylo)) / (Math.log(yhi) - Math.log(ylo)) : (v - ylo) / (yhi - ylo);
      return T + ph - r * ph;
    }
    function r1(v) { return Math.round(v * 10) / 10; }

    // Grid and axes.
    var yt = f.y.log ? logTicks(ylo, yhi) : linTicks(ylo, yhi, 5);
    if (f.y.log && yt.length < 3) yt = linTicks(ylo, yhi, 4).filter(function (v) { return v > 0; });
    yt.forEach(function (v) {
      el('line', { x1: L, x2: W - R, y1: r1(Y(v)), y2: r1(Y(v)), 'class': 'grid' }, svg);
      el('text', { x: L - 6, y: r1(Y(v)) + 4, 'text-anchor': 'end' }, svg).textContent = fmt(v, f.y.unit);
    });
    var xt = ticksX || linTicks(xlo, xhi, 8).map(function (v) { return { at: v, label: fmt(v, f.x.unit) }; });
    xt.forEach(function (t) {
      el('line', { x1: r1(X(t.at)), x2: r1(X(t.at)), y1: T + ph, y2: T + ph + 4, 'class': 'axis' }, svg);
      el('text', { x: r1(X(t.at)), y: T + ph + 17, 'text-anchor': 'middle' }, svg).textContent = t.label;
    });
    el('line', { x1: L, x2: W - R, y1: T + ph, y2: T + ph, 'class': 'axis' }, svg);
    el('line', { x1: L, x2: L, y1: T, y2: T + ph, 'class': 'axis' }, svg);
    el('text', { x: L + pw / 2, y: H - 4, 'text-anchor': 'middle' }, svg).textContent = f.x.label;
    el('text', { x: 12, y: T + ph / 2, 'text-anchor': 'middle', transform: 'rotate(-90 12 ' + (T + ph / 2) + ')' }, svg).textContent = f.y.label;

    var drawn = 0, sum = 0;
    if (stacked) {
      var base = {};
      f.series.forEach(function (s) {
        var g = el('g', { 'class': 'layer', 'data-series': s.name, style: 'fill:var(--c-' + s.role + ')' }, svg);
        s.x.forEach(function (x, i) {
          var v = s.y[i];
          if (!present(v) || v <= 0) return;
          var b0 = base[x] || 0, x0 = X(x), x1 = X(x + per);
          el('rect', { x: r1(x0), y: r1(Y(b0 + v)), width: r1(Math.max(x1 - x0 - (x1 - x0 > 3 ? 1 : 0), 0.6)), height: r1(Math.max(Y(b0) - Y(b0 + v), 0.5)) }, g);
          base[x] = b0 + v;
          drawn++;
          sum += v * per;
        });
      });
    } else {
      // The last series first: p50 ends on top of the max it may touch.
      f.series.slice().reverse().forEach(function (s) {
        var d = '', pts = 0, prev = false;
        s.x.forEach(function (x, i) {
          var v = s.y[i];
          if (!present(v) || (f.y.log && v <= 0)) { prev = false; return; }
          d += (prev ? 'L' : 'M') + r1(X(x)) + ' ' + r1(Y(v)) + ' ';
          var next = i + 1 < s.y.length && present(s.y[i + 1]);
          if (!prev && !next) el('circle', { cx: r1(X(x)), cy: r1(Y(v)), r: 2.5, style: 'fill:var(--c-' + s.role + ')' }, svg);
          prev = true;
          pts++;
        });
        el('path', { d: d.trim(), 'class': 'line', 'data-series': s.name, 'data-points': pts, fill: 'none',
          style: 'stroke:var(--c-' + s.role + ');stroke-width:' + (s.dash ? 1.6 : 2) + (s.dash ? ';stroke-dasharray:6 4' : ''), 'stroke-linejoin': 'round' }, svg);
        drawn += pts;
      });
    }
    (f.marks || []).forEach(function (m) {
      var cls = m.alert ? ' alert' : '';
      el('line', { x1: r1(X(m.x)), x2: r1(X(m.x)), y1: T, y2: T + ph, 'class': 'mark' + cls }, svg);
      // A label near the right edge ends at its line instead of running off the chart.
      var right = X(m.x) > W - R - 160;
      el('text', { x: r1(X(m.x)) + (right ? -4 : 4), y: T - 6, 'text-anchor': right ? 'end' : 'start', 'class': 'marklabel' + cls }, svg).textContent = m.label;
    });

    // Hover: the values of every series at the nearest X.
    var xsSorted = Object.keys(xs).map(Number).sort(function (a, b) { return a - b; });
    var guide = el('line', { y1: T, y2: T + ph, 'class': 'guide', visibility: 'hidden' }, svg);
    var hit = el('rect', { x: L, y: T, width: pw, height: ph, fill: 'transparent' }, svg);
    hit.addEventListener('mousemove', function (ev) {
      var pt = svg.createSVGPoint();
      pt.x = ev.clientX; pt.y = ev.clientY;
      var p = pt.matrixTransform(svg.getScreenCTM().inverse());
      var best = xsSorted[0];
      xsSorted.forEach(function (x) { if (Math.abs(X(x + (stacked ? per / 2 : 0)) - p.x) < Math.abs(X(best + (stacked ? per / 2 : 0)) - p.x)) best = x; });
      guide.setAttribute('x1', X(best + (stacked ? per / 2 : 0)));
      guide.setAttribute('x2', X(best + (stacked ? per / 2 : 0)));
      guide.setAttribute('visibility', 'visible');
      var lines = [f.x.label + ': ' + (ticksX ? (ticksX.filter(function (t) { return t.at === best; })[0] || { label: fmt(best, f.x.unit) }).label : fmt(best, f.x.unit))];
      f.series.forEach(function (s) {
        var i = s.x.indexOf(best);
        if (i >= 0) lines.push(s.name + ': ' + fmt(s.y[i], f.y.unit));
      });
      tip.textContent = '';
      lines.forEach(function (l, i) { if (i) tip.appendChild(document.createElement('br')); tip.appendChild(document.createTextNode(l)); });
      tip.style.display = 'block';
      tip.style.left = (ev.clientX + 14) + 'px';
      tip.style.top = (ev.clientY + 10) + 'px';
    });
    hit.addEventListener('mouseleave', function () { tip.style.display = 'none'; guide.setAttribute('visibility', 'hidden'); });

    if (f.note) {
      var n = document.createElement('p');
      n.className = 'fnote';
      n.textContent = f.note;
      fig.appendChild(n);
    }
    fig.setAttribute('data-drawn', String(drawn));
    if (stacked) fig.setAttribute('data-sum', String(Math.round(sum)));
  }

  figs.forEach(draw);
  document.body.setAttribute('data-figures', String(figs.length));
})();
