// The report form's point picker: the country outlines of the embedded
// basemap (/assets/countries.json, TopoJSON) on a canvas; a click sets
// the latitude and longitude fields, dragging pans, the buttons and the
// wheel zoom. Nothing is fetched from elsewhere.
(function () {
  'use strict';
  var canvas = document.getElementById('picker');
  if (!canvas || !canvas.getContext) return;
  var form = document.getElementById('report-form');
  var latIn = form.elements.lat, lonIn = form.elements.lon;
  var ctx = canvas.getContext('2d');
  var W = canvas.width, H = canvas.height;
  var view = { lon: 53, lat: 32, k: 12 }; // Iran, about 50° across
  var arcs = [];

  // decode turns TopoJSON's quantized, delta-encoded arcs into
  // [lon, lat] polylines; outlines need no polygon assembly.
  function decode(topo) {
    var s = topo.transform.scale, t = topo.transform.translate;
    return topo.arcs.map(function (arc) {
      var x = 0, y = 0;
      return arc.map(function (p) {
        x += p[0]; y += p[1];
        return [x * s[0] + t[0], y * s[1] + t[1]];
      });
    });
  }

  function px(lon, lat) {
    return [(lon - view.lon) * view.k + W / 2, (view.lat - lat) * view.k + H / 2];
  }

  function point() {
    var lat = parseFloat(latIn.value), lon = parseFloat(lonIn.value);
    if (isNaN(lat) || isNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) return null;
    return [lon, lat];
  }

  function draw() {
    ctx.fillStyle = '#eef3f7';
    ctx.fillRect(0, 0, W, H);
    ctx.strokeStyle = '#777';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (var i = 0; i < arcs.length; i++) {
      var a = arcs[i];
      for (var j = 0; j < a.length; j++) {
        var q = px(a[j][0], a[j][1]);
        if (j === 0) ctx.moveTo(q[0], q[1]); else ctx.lineTo(q[0], q[1]);
      }
    }
    ctx.stroke();
    var p = point();
    if (p) {
      var m = px(p[0], p[1]);
      ctx.fillStyle = '#b2182b';
      ctx.beginPath();
      ctx.arc(m[0], m[1], 5, 0, 2 * Math.PI);
      ctx.fill();
    }
    canvas.dataset.k = String(view.k);
  }

  function zoom(f) {
    view.k = Math.min(2000, Math.max(1.5, view.k * f));
    draw();
  }

  var down = null, moved = false;
  canvas.addEventListener('pointerdown', function (e) {
    down = { x: e.offsetX, y: e.offsetY, lon: view.lon, lat: view.lat };
    moved = false;
  });
  canvas.addEventListener('pointermove', function (e) {
    if (!down) return;
    var dx = e.offsetX - down.x, dy = e.offsetY - down.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) moved = true;
    if (moved) {
      view.lon = down.lon - dx / view.k;
      view.lat = down.lat + dy / view.k;
      draw();
    }
  });
  canvas.addEventListener('pointerup', function (e) {
    if (down && !moved) {
      var r = canvas.getBoundingClientRect();
      var x = (e.clientX - r.left) * W / r.width, y = (e.clientY - r.top) * H / r.height;
      var lon = view.lon + (x - W / 2) / view.k, lat = view.lat - (y - H / 2) / view.k;
      latIn.value = Math.max(-90, Math.min(90, lat)).toFixed(4);
      lonIn.value = (((lon + 540) % 360) - 180).toFixed(4);
      draw();
    }
    down = null;
  });
  canvas.addEventListener('wheel', function (e) {
    e.preventDefault();
    zoom(e.deltaY < 0 ? 1.5 : 1 / 1.5);
  }, { passive: false });
  document.getElementById('picker-in').addEventListener('click', function () { zoom(2); });
  document.getElementById('picker-out').addEventListener('click', function () { zoom(0.5); });
  latIn.addEventListener('change', function () {
    var p = point();
    if (p) { view.lon = p[0]; view.lat = p[1]; }
    draw();
  });
  lonIn.addEventListener('change', function () { latIn.dispatchEvent(new Event('change')); });

  var p0 = point();
  if (p0) { view.lon = p0[0]; view.lat = p0[1]; view.k = 200; }
  draw();
  fetch('/assets/countries.json', { credentials: 'same-origin' })
    .then(function (r) { return r.json(); })
    .then(function (topo) { arcs = decode(topo); draw(); canvas.dataset.ready = '1'; })
    .catch(function () { canvas.dataset.ready = 'failed'; });
})();
