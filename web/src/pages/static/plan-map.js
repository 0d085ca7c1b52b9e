// The plan's web map: Leaflet over the configured tiles, from the JSON the
// page carries in <script type="application/json" id="plan-map-data">.
// Without this script (or Leaflet) the page keeps its SVG map; every text is
// set as text, never as HTML, because school and town names come from files.
(function () {
  'use strict';
  var island = document.getElementById('plan-map-data');
  var holder = document.getElementById('plan-web-map');
  if (!island || !holder || !window.L) { return; }
  var data;
  try { data = JSON.parse(island.textContent); } catch (e) { return; }
  var plan = data && data.map;
  if (!plan || !plan.schools || plan.schools.length === 0) { return; }

  function text(tag, className, value) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    el.textContent = value;
    return el;
  }

  function schoolTip(s) {
    var el = document.createElement('div');
    el.appendChild(text('strong', '', s.name));
    el.appendChild(text('div', '', s.phase + ', ' + s.group.charAt(0).toLowerCase() + s.group.slice(1)));
    return el;
  }

  holder.hidden = false;
  var svg = document.querySelector('.plan-map-layout .map-svg');
  if (svg) { svg.hidden = true; }
  var legend = document.getElementById('plan-map-legend');
  if (legend) { legend.hidden = false; }

  // Scrolling the page must not zoom the map; keys and buttons still do.
  var map = L.map(holder, { scrollWheelZoom: false });
  if (data.tiles) {
    L.tileLayer(data.tiles.url, {
      maxZoom: 18,
      attribution: data.tiles.attribution
    }).addTo(map);
  }

  var bounds = [];
  plan.groups.forEach(function (g) {
    if (g.points.length === 0) { return; }
    var style = { color: g.colour, weight: 3, opacity: 0.8, fillColor: g.colour, fillOpacity: 0.12, className: 'map-group' };
    var shape = g.points.length >= 3 ? L.polygon(g.points, style) : L.polyline(g.points, style);
    shape.bindTooltip(text('span', '', g.label), { sticky: true });
    shape.addTo(map);
  });

  plan.towns.forEach(function (t) {
    var label = text('span', '', t.name);
    L.marker([t.lat, t.lon], {
      icon: L.divIcon({ className: 'map-town', html: label, iconSize: null }),
      interactive: false,
      keyboard: false
    }).addTo(map);
  });

  plan.schools.forEach(function (s) {
    var marker = L.circleMarker([s.lat, s.lon], {
      radius: s.left_out ? 7 : 6,
      color: s.left_out ? s.colour : '#ffffff',
      weight: s.left_out ? 3 : 2,
      fillColor: s.left_out ? '#ffffff' : s.colour,
      fillOpacity: 1,
      className: s.left_out ? 'map-school map-left-out' : 'map-school'
    });
    marker.bindTooltip(schoolTip(s));
    // Circle markers are SVG paths: made reachable by Tab, named for screen
    // readers, and showing their tooltip while focused, as on hover. The
    // path exists once the map has a view, hence on 'add'.
    marker.on('add', function () {
      var el = marker.getElement();
      if (!el) { return; }
      el.setAttribute('tabindex', '0');
      el.setAttribute('role', 'img');
      el.setAttribute('aria-label', s.name + ', ' + s.phase + ', ' + s.group.charAt(0).toLowerCase() + s.group.slice(1));
      el.addEventListener('focus', function () { marker.openTooltip(); });
      el.addEventListener('blur', function () { marker.closeTooltip(); });
    });
    marker.addTo(map);
    bounds.push([s.lat, s.lon]);
  });

  map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
  L.control.scale({ imperial: false }).addTo(map);
}());
