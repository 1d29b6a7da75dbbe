/* Gridsight map styling: functional props referenced from Python through
   dash_extensions.javascript.Namespace("gridsight", ...). Served by the app itself. */
(function () {
  "use strict";
  const STATUS_COLOR = { online: "#22c55e", offline: "#9ca3af", fault: "#ef4444" };
  const ROAD = {
    highway: { color: "#fbbf24", weight: 4 },
    main: { color: "#e5e7eb", weight: 2.5 },
    local: { color: "#9ca3af", weight: 1.2 },
    track: { color: "#78716c", weight: 1, dashArray: "4 4" },
  };
  const SHIFT_COLOR = { day: "#3b82f6", night: "#c084fc", all: "#2dd4bf" };
  const SEVERITY_COLOR = { 1: "#fde047", 2: "#fb923c", 3: "#f43f5e", 4: "#be123c" };

  // Keep the registry's drawing order (property z) on the single canvas whatever order the layers'
  // data arrive in, so that points stay above polygons and clicks reach the feature on top.
  function restack(map) {
    const groups = {};
    map.eachLayer(function (l) {
      const p = l.feature && l.feature.properties;
      if (p && p.z !== undefined && l.bringToFront) { (groups[p.z] = groups[p.z] || []).push(l); }
    });
    Object.keys(groups).map(Number).sort(function (a, b) { return a - b; })
      .forEach(function (z) { groups[z].forEach(function (l) { l.bringToFront(); }); });
  }

  function remember(context) {
    // Keep a handle on the Leaflet map (tests and the wall display use it).
    const map = context && context.map;
    if (!map || map._gridsightReady) { return; }
    window.gridsightMap = map;
    map._gridsightReady = true;
    let pending = false;
    map.on("layeradd", function () {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () { pending = false; restack(map); });
    });
  }

  // Above the grid cell (the county, a township or a village shown with its children), a click
  // anywhere inside a unit drills into it: every feature drawn over the units lets clicks through
  // (and points are drawn small, so the choropleth shows), the units layer takes them. Set by
  // layerData from the view's state; the planning page (its state has "hs") never drills.
  function drilling() { return window.gridsightDrill === true; }
  function passive(style) {
    return drilling() ? Object.assign({}, style, { interactive: false }) : style;
  }
  // A cluster lets clicks through at the county level only: from the township level down, a click
  // exactly on one (drawn small) zooms into it and a click anywhere else in a unit drills.
  function passiveCluster(style) {
    return window.gridsightClustersZoom === true ? style : passive(style);
  }
  const UNIT_WORDS = {
    en: { incidents: "incidents", cameras: "cameras online / total" },
    zh: { incidents: "警情", cameras: "摄像机在线/总数" },
  };
  function escapeHtml(value) {
    return String(value === null || value === undefined ? "—" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // A cluster of n points (layers send clusters when zoomed out): its area grows with n. The style
  // functions give clusters the same look (dash-leaflet applies a layer's style to its points too).
  function clusterStyle(color) {
    return drilling() ? { color: "#0f172a", weight: 0.6, fillColor: color, fillOpacity: 0.6 }
      : { color: "#f8fafc", weight: 1.5, fillColor: color, fillOpacity: 0.7 };
  }
  function cluster(latlng, n, color) {
    const radius = drilling() ? Math.min(2.5 + Math.log2(n), 7) : Math.min(5 + 2.5 * Math.log2(n), 22);
    return L.circleMarker(latlng, Object.assign({ radius: radius }, clusterStyle(color)));
  }
  // Camera clusters: green when every camera works, amber when some are broken, red from 20 %.
  function cameraClusterColor(p) {
    const share = (p.broken || 0) / p.n;
    return share === 0 ? "#22c55e" : share < 0.2 ? "#f59e0b" : "#ef4444";
  }

  window.gridsight = Object.assign(window.gridsight || {}, {
    feature: {
      // The drill-down's units: a click drills (dash-leaflet's clickData); hovering tells the
      // unit's figures, the counts of the points drawn small over it included.
      unitTooltip: function (feature, layer) {
        const p = feature.properties || {};
        const words = UNIT_WORDS[window.gridsightLang === "en" ? "en" : "zh"];
        const value = p.value === null || p.value === undefined ? "—" : Number(p.value).toFixed(1);
        layer.bindTooltip("<b>" + escapeHtml(p.name) + "</b> " + escapeHtml(value) + "<br>" +
          escapeHtml(p.incidents) + " " + words.incidents + " · " + escapeHtml(p.cameras_text) + " " + words.cameras,
          { sticky: true, direction: "top", className: "gs-unit-tooltip" });
      },
      // Wall display: each township named on the map, in screen-height units (readable from 5 m).
      wall_unit: function (feature, layer) {
        const p = feature.properties || {};
        if (p.level === "township" && p.name) {
          layer.bindTooltip(escapeHtml(p.name), { permanent: true, direction: "center", className: "gs-wall-name",
                                              interactive: false });
        }
      },
      // Popups are fetched when a feature is clicked (sending them with every feature was most of
      // the weight, and binding one to each of thousands of features slowed every redraw); a
      // cluster is zoomed into instead.
      lazyPopup: function (feature, layer) {
        layer.on("click", function (e) {
          const p = feature.properties || {};
          const map = layer._map || window.gridsightMap;
          if (!map) { return; }
          if (p.n > 1) { map.setView(e.latlng, Math.min(map.getZoom() + 2, map.getMaxZoom())); return; }
          const popup = L.popup({ maxWidth: 360 }).setLatLng(e.latlng).setContent("…").openOn(map);
          const url = "/api/layers/" + encodeURIComponent(p.layer) + "/popup" + (window.gridsightQuery || "?") +
            "&fid=" + encodeURIComponent(feature.id);
          fetch(url).then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
            .then(function (body) { popup.setContent(body); })
            .catch(function () { popup.setContent("—"); });
        });
      },
    },
    style: {
      territory: function (feature, context) {
        remember(context); return { color: "#94a3b8", weight: 1.5, fill: false, dashArray: "5 4" }; },
      preview: function (feature, context) {
        remember(context); return { color: "#f97316", weight: 2, fillOpacity: 0.15 }; },
      township: function (feature, context) {
        remember(context); return { color: "#f59e0b", weight: 2.5, fill: true, fillOpacity: 0.02 }; },
      village: function () { return { color: "#a78bfa", weight: 1.2, fill: true, fillOpacity: 0.02, dashArray: "3 3" }; },
      grid: function () { return { color: "#38bdf8", weight: 0.8, fillOpacity: 0.05 }; },
      // Opaque enough that the colours are the legend's (the legend's swatches use the same opacity
      // over the same background).
      wall_unit: function (feature, context) {
        remember(context);
        const k = Math.max(1, window.innerHeight / 1080);
        return { color: "#e2e8f0", weight: 2.5 * k, fillColor: feature.properties.color, fillOpacity: 0.85 };
      },
      unit: function (feature) {
        const p = feature.properties;
        if (p.below) {  // below the target: a dashed white outline
          return { color: "#f8fafc", weight: 2.4, dashArray: "6 4", fillColor: p.color, fillOpacity: 0.62 };
        }
        return { color: "#e5e7eb", weight: 1.2, fillColor: p.color, fillOpacity: 0.62 };
      },
      road: function (feature) { return passive(ROAD[feature.properties.class] || ROAD.local); },
      route: function (feature) {
        return passive({ color: SHIFT_COLOR[feature.properties.shift] || "#3b82f6", weight: 3, opacity: 0.9 });
      },
      camera: function (feature) {
        const p = feature.properties;
        if (p.n > 1) { return passiveCluster(clusterStyle(cameraClusterColor(p))); }
        const color = STATUS_COLOR[p.status] || "#9ca3af";
        return passive({ color: color, weight: 0.8, fillColor: color, fillOpacity: 0.25 });
      },
      incident: function (feature) {
        const p = feature.properties;
        if (window.gridsightPlaybackOn) { return passive({ opacity: 0, fillOpacity: 0 }); }  // the playback draws them
        return p.n > 1 ? passiveCluster(clusterStyle(SEVERITY_COLOR[p.top] || "#f43f5e")) : passive({});
      },
      hotspot: function (feature) {
        const p = feature.properties;
        if (p.unvisited) {  // a hot spot no patrol visited: outlined in yellow
          return passive({ color: "#facc15", weight: 2.5, fillColor: p.color, fillOpacity: 0.6 });
        }
        return passive({ color: p.color, weight: 0.5, fillColor: p.color, fillOpacity: 0.55 });
      },
      blindspot: function (feature) {
        const color = feature.properties.kind === "cluster" ? "#e879f9" : "#f43f5e";
        return passive({ color: color, weight: 2.5, dashArray: "6 4", fillColor: color, fillOpacity: 0.12 });
      },
      plan_item: function (feature) {
        const p = feature.properties;
        if (p.kind === "route") { return { color: p.color || "#facc15", weight: 4, dashArray: "8 6" }; }
        return { color: p.selected ? "#ffffff" : (p.color || "#facc15"), weight: p.selected ? 2.5 : 1.5,
                 fillColor: p.color || "#facc15", fillOpacity: 0.45 };
      },
      focus: function () {
        return { color: "#f43f5e", weight: 1.5, fillColor: "#f43f5e", fillOpacity: 0.35, dashArray: "4 3" };
      },
    },
    point: {
      // A what-if camera: a wedge symbol pointing along its azimuth with its field of view, the same
      // size at every zoom (its real 100 m sector is a few pixels at the county's zoom).
      plan_camera: function (feature, latlng) {
        const p = feature.properties;
        const color = p.color || "#facc15";
        if (p.azimuth === undefined) {
          return L.circleMarker(latlng, { radius: 6, color: "#111827", weight: 1.5, fillColor: color, fillOpacity: 1 });
        }
        const size = p.selected ? 46 : 36;
        const c = size / 2, r = size / 2 - 3, fov = Math.min(Number(p.fov) || 90, 360);
        const pt = function (deg) {
          const a = deg * Math.PI / 180;
          return (c + r * Math.sin(a)).toFixed(1) + " " + (c - r * Math.cos(a)).toFixed(1);
        };
        const shape = fov >= 360 ? '<circle cx="' + c + '" cy="' + c + '" r="' + r + '"/>'
          : '<path d="M' + c + " " + c + " L" + pt(p.azimuth - fov / 2) + " A" + r + " " + r + " 0 " +
            (fov > 180 ? 1 : 0) + " 1 " + pt(p.azimuth + fov / 2) + ' Z"/>';
        const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="' + size + '" height="' + size + '">' +
          '<g fill="' + color + '" fill-opacity="0.75" stroke="' + (p.selected ? "#ffffff" : "#111827") +
          '" stroke-width="' + (p.selected ? 3 : 1.5) + '">' + shape + '</g>' +
          '<circle cx="' + c + '" cy="' + c + '" r="4" fill="#111827" stroke="#ffffff" stroke-width="1.5"/></svg>';
        return L.marker(latlng, {
          icon: L.divIcon({ html: svg, className: "gs-wedge" + (p.selected ? " gs-selected" : ""),
                            iconSize: [size, size], iconAnchor: [c, c] }),
          title: "#" + p.n + " " + Math.round(p.azimuth) + "° / " + Math.round(fov) + "°",
          alt: "#" + p.n, zIndexOffset: p.selected ? 1000 : 0,
        });
      },
      // Wall display: incidents of the last 24 hours; those that just arrived stand out for a minute.
      // Sizes in pixels of a 1080-line screen, scaled to the screen's height (a 4K wall doubles them).
      wall_incident: function (feature, latlng, context) {
        remember(context);
        const k = Math.max(1, window.innerHeight / 1080);
        return feature.properties.new
          ? L.circleMarker(latlng, { radius: 14 * k, color: "#ffffff", weight: 4 * k, fillColor: "#ef4444", fillOpacity: 1 })
          : L.circleMarker(latlng, { radius: 6 * k, color: "#111827", weight: 1.5 * k, fillColor: "#fbbf24",
                                     fillOpacity: 0.95 });
      },
      preview: function (feature, latlng, context) {
        remember(context);
        return L.circleMarker(latlng, { radius: 5, color: "#111827", weight: 1, fillColor: "#f97316", fillOpacity: 1 });
      },
      focus: function (feature, latlng, context) {
        remember(context);
        return L.circleMarker(latlng, { radius: 7, color: "#f43f5e", weight: 2.5, fill: false });
      },
      camera: function (feature, latlng, context) {
        remember(context);
        const p = feature.properties;
        if (p.n > 1) { return cluster(latlng, p.n, cameraClusterColor(p)); }
        const color = STATUS_COLOR[p.status] || "#9ca3af";
        const zoomedOut = drilling() || (context && context.map && context.map.getZoom() < 13);
        return L.circleMarker(latlng, {
          radius: zoomedOut ? 2.5 : 4.5, color: "#111827", weight: zoomedOut ? 0.5 : 1, fillColor: color,
          fillOpacity: 1,
        });
      },
      incident: function (feature, latlng, context) {
        remember(context);
        const p = feature.properties;
        if (p.n > 1) { return cluster(latlng, p.n, SEVERITY_COLOR[p.top] || "#f43f5e"); }
        const color = SEVERITY_COLOR[p.severity] || "#f43f5e";
        return L.circleMarker(latlng, {
          radius: (drilling() ? 1.5 : 3) + (drilling() ? 0.5 : 1) * Number(p.severity || 1), color: "#111827", weight: 0.5,
          fillColor: color, fillOpacity: 0.85,
        });
      },
    },
  });
})();

/* A drill-down (or Back) flies the map to the unit's frame (dash-leaflet's viewport). Leaflet drops
   a fitBounds asked for while a zoom animation runs, and a Back pressed right after a drill has
   been seen to leave the map at the village's zoom with the township's layers drawn: shortly after
   the unit changes, and again when a flight ends, the map flies to the frame of the unit still
   shown if it stopped short of it. */
function arrive(map, unit, target, zoom) {
  // window.gridsightArriving: the map is still on its way to the unit's frame (tests wait for it)
  window.gridsightArriving = true;
  let tries = 2;
  function check() {
    if (window.gridsightUnit !== unit) { return; }  // another unit was asked for meanwhile
    if (map._animatingZoom || (map._panAnim && map._panAnim._inProgress)) {
      map.once("moveend", check);
      return;
    }
    // clearly elsewhere: the unit's centre out of view, or zoomed in deeper than a drill allows
    const away = !map.getBounds().contains(target.getCenter()) || map.getZoom() > zoom + 1;
    if (away && tries > 0) {
      tries -= 1;
      map.once("moveend", check);
      map.fitBounds(target);
      return;
    }
    window.gridsightArriving = false;
  }
  setTimeout(check, 300);
}

/* Client-side callbacks. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  gridsight_cb: {
    // Fetch every layer for the current view; bounds are [[south, west], [north, east]].
    // Responses to an older view are dropped, so a quick pan never leaves stale layers behind.
    layerData: async function (bounds, zoom, state, lang, layerIds, viewFields) {
      const skip = window.dash_clientside.no_update;
      const unchanged = [layerIds.map(function () { return skip; }), skip];
      if (!bounds || zoom === undefined || zoom === null) { return unchanged; }
      // A drill-down changes the unit, then the map flies there: the layers are fetched at once for
      // the view the flight will end on, and the fetch the flight's end would trigger is skipped
      // when that view is inside what was fetched.
      const unit = state ? (state.unit || "") : "";
      window.gridsightLang = lang;
      const triggered = (window.dash_clientside.callback_context || {}).triggered || [];
      const byState = triggered.some(function (t) { return t.prop_id && t.prop_id.indexOf("gs-state.") === 0; });
      const flying = byState && window.gridsightUnit !== undefined && unit !== window.gridsightUnit;
      window.gridsightUnit = unit;
      const map = window.gridsightMap;
      if (flying && map && state && state.bounds) {
        const target = L.latLngBounds(state.bounds);
        const z = Math.min(map.getBoundsZoom(target), map.getMaxZoom());
        const centre = map.project(target.getCenter(), z), half = map.getSize().divideBy(2);
        const sw = map.unproject(centre.add(L.point(-half.x, half.y)), z);
        const ne = map.unproject(centre.add(L.point(half.x, -half.y)), z);
        bounds = [[sw.lat, sw.lng], [ne.lat, ne.lng]];
        zoom = z;
        arrive(map, unit, target, z);
      }
      // Leaflet snaps to whole zoom levels: a fractional one is a view in the middle of a flight.
      if (zoom !== Math.round(zoom)) { return unchanged; }
      const stateKey = JSON.stringify(Object.assign({}, state || {}, { bounds: null })) + (lang || "");
      const done = window.gridsightFetched;
      if (!flying && done && done.stateKey === stateKey && done.zoom === Math.round(zoom) &&
          bounds[0][0] >= done.s && bounds[0][1] >= done.w && bounds[1][0] <= done.n && bounds[1][1] <= done.e) {
        return unchanged;  // already fetched (or being fetched) for this view
      }
      // Above the grid cell, clicks inside units drill (see passive()) as long as the view is at
      // most one zoom level closer than the unit's own frame; zoomed in further, points and lines
      // answer clicks again. The planning page never drills.
      let frameZoom = Math.round(zoom);
      if (map && state && state.bounds) {
        frameZoom = Math.min(map.getBoundsZoom(L.latLngBounds(state.bounds)), map.getMaxZoom());
      }
      window.gridsightDrill = !!state && state.hs === undefined && unit.length !== 15 &&
        Math.round(zoom) <= frameZoom + 1;
      // a township (9 digits) or a village (12) shown, named in the address or the top of the
      // account's jurisdiction: its clusters zoom when clicked (passiveCluster)
      window.gridsightClustersZoom = String((state && state.focus) || unit).length >= 9;
      const seq = (window.gridsightSeq = (window.gridsightSeq || 0) + 1);
      window.dash_clientside.set_props("gs-status", { className: "gs-status loading" });
      // The end of a pan or zoom changes bounds and zoom in separate updates: only the last fetches
      // (a drill-down knows its target at once and does not wait).
      if (!flying) {
        await new Promise(function (resolve) { setTimeout(resolve, 40); });
        if (seq !== window.gridsightSeq) { return unchanged; }
      }
      const pad = 0.1;  // fetch a margin around the view so that small pans show no empty edge
      const s = bounds[0][0], w = bounds[0][1], n = bounds[1][0], e = bounds[1][1];
      const dy = (n - s) * pad, dx = (e - w) * pad;
      const bbox = [w - dx, s - dy, e + dx, n + dy].map(function (v) { return v.toFixed(5); }).join(",");
      window.gridsightFetched = { stateKey: stateKey, zoom: Math.round(zoom), s: s - dy, w: w - dx, n: n + dy, e: e + dx };
      let query = "?bbox=" + bbox + "&zoom=" + Math.round(zoom) + "&lang=" + (lang || "zh");
      // The state's parameters, named by the server (layers/view.py FIELDS); lists comma-separated.
      ((viewFields && viewFields.fields) || []).forEach(function (name) {
        const value = state ? state[name] : undefined;
        if (value === undefined || value === null) { return; }
        const text = Array.isArray(value) ? value.join(",") : String(value);
        if (text !== "") { query += "&" + name + "=" + encodeURIComponent(text); }
      });
      window.gridsightQuery = query;  // popups are fetched for the same view
      let bodies;
      try {  // every layer in one request (a browser opens at most six connections to a server)
        const ids = layerIds.map(function (id) { return encodeURIComponent(id.index); }).join(",");
        const r = await fetch("/api/layers" + query + "&ids=" + ids);
        if (!r.ok) { throw new Error(String(r.status)); }
        const byId = await r.json();
        bodies = layerIds.map(function (id) { return byId[id.index]; });
      } catch (err) {
        window.gridsightFetched = null;  // nothing was drawn: the next view must fetch again
        return seq === window.gridsightSeq ? [layerIds.map(function () { return skip; }), "gs-status offline"] : unchanged;
      }
      if (seq !== window.gridsightSeq) { return unchanged; }
      const truncated = bodies.some(function (b) { return b.truncated; });
      return [bodies, "gs-status " + (truncated ? "truncated" : "ok")];
    },
  },
});
