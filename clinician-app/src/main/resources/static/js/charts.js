// Draws the charts described by <canvas data-chart='{...}'> with Chart.js (from its WebJar).
(function () {
  'use strict';
  var palette = ['#0a4f8a', '#9b1c1c', '#1d6b2f', '#7a4a00'];
  document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
    var spec = JSON.parse(canvas.getAttribute('data-chart'));
    if (spec.type === 'bar') {
      new Chart(canvas, {
        type: 'bar',
        data: { labels: spec.labels, datasets: [{ label: spec.label, data: spec.values, backgroundColor: '#0a4f8a' }] },
        options: { maintainAspectRatio: false, animation: false, plugins: { legend: { labels: { color: '#1b1b1b' } } },
          scales: { x: { ticks: { color: '#1b1b1b' } }, y: { ticks: { color: '#1b1b1b' } } } }
      });
      return;
    }
    // time series: {type:'line', unit, series:[{label, points:[{x,y}]}], target, sessions:[x...]}
    var datasets = spec.series.map(function (s, i) {
      return { label: s.label, data: s.points, borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
        pointRadius: 5, tension: 0 };
    });
    if (spec.target !== null && spec.target !== undefined && spec.points !== 0) {
      var xs = [].concat.apply([], spec.series.map(function (s) { return s.points.map(function (p) { return p.x; }); })).sort();
      if (xs.length) {
        datasets.push({ label: 'Goal target', data: [{ x: xs[0], y: spec.target }, { x: xs[xs.length - 1], y: spec.target }],
          borderColor: '#1d6b2f', borderDash: [8, 6], pointRadius: 0, fill: false });
      }
    }
    if (spec.sessions && spec.sessions.length) {
      datasets.push({ label: 'Sessions', type: 'scatter', data: spec.sessions.map(function (x) { return { x: x, y: spec.sessionY }; }),
        borderColor: '#7a4a00', backgroundColor: '#7a4a00', pointStyle: 'triangle', pointRadius: 7 });
    }
    new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets },
      options: { maintainAspectRatio: false, animation: false, parsing: true,
        scales: { x: { type: 'category', labels: spec.labels, ticks: { color: '#1b1b1b' } },
                  y: { title: { display: !!spec.unit, text: spec.unit, color: '#1b1b1b' }, ticks: { color: '#1b1b1b' } } },
        plugins: { legend: { labels: { color: '#1b1b1b' } } } }
    });
  });
})();
