/* Planning page: the spot tables' rows fly the map to their spot (click or Enter), hot spots and
   clusters carry their id (H1, C1, ...) on the map, and Leaflet.draw speaks Chinese in the Chinese
   interface. Served by the app itself (no CDN). */
(function () {
  "use strict";

  function onPlan() { return !!document.getElementById("gs-plan-summary"); }

  // The map's features of spot "hot:H1" (the hot spot's squares or cells, and its blind part) or
  // "cluster:C1" (the blind-spot cluster).
  function spotLayers(map, target) {
    const kind = target.split(":")[0], id = target.split(":")[1];
    const found = [];
    map.eachLayer(function (l) {
      const p = l.feature && l.feature.properties;
      if (!p || !l.getBounds) { return; }
      if ((kind === "hot" && p.layer === "hotspots" && p.spot === id) ||
          (p.layer === "blindspots" && p.kind === kind && p.id === id)) { found.push(l); }
    });
    return found;
  }

  function bounds(layers) {
    let b = null;
    layers.forEach(function (l) {
      const o = l.getBounds();
      b = b ? b.extend(o) : L.latLngBounds(o.getSouthWest(), o.getNorthEast());
    });
    return b;
  }

  // Pixels from the map's left edge that the legend (over the map's left side) covers, plus a
  // margin: a spot flown to lands right of it.
  function clearOfLegend(map) {
    const legend = document.querySelector(".gs-plan-legend");
    if (!legend || !legend.offsetParent) { return 40; }
    const r = legend.getBoundingClientRect(), m = map.getContainer().getBoundingClientRect();
    return Math.max(40, Math.round(r.right - m.left + 20));
  }

  function fly(row) {
    const map = window.gridsightMap;
    if (!map) { return; }
    const b = bounds(spotLayers(map, row.getAttribute("data-fly")));
    if (!b) { return; }
    document.querySelectorAll("tr[data-fly].gs-chosen").forEach(function (r) { r.classList.remove("gs-chosen"); });
    row.classList.add("gs-chosen");
    map.flyToBounds(b, { maxZoom: 16, paddingTopLeft: [clearOfLegend(map), 40],
                         paddingBottomRight: [40, 40], duration: 0.8 });
    window.gridsightFlown = row.getAttribute("data-fly");
  }

  document.addEventListener("click", function (e) {
    const row = e.target.closest && e.target.closest("tr[data-fly]");
    if (row) { fly(row); }
  });
  document.addEventListener("keydown", function (e) {
    const row = e.target.closest && e.target.closest("tr[data-fly]");
    if (row && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); fly(row); }
  });

  // Labels: one per hot spot (the middle of its squares) and per cluster, redrawn when the layers change.
  let labels = null, pending = false;
  function relabel() {
    pending = false;
    const map = window.gridsightMap;
    if (!map || !onPlan()) { return; }
    const spots = {};
    map.eachLayer(function (l) {
      const p = l.feature && l.feature.properties;
      if (!p || !l.getBounds) { return; }
      const key = p.layer === "hotspots" && p.spot ? "H:" + p.spot
        : p.layer === "blindspots" && p.kind === "cluster" ? "C:" + p.id : null;
      if (key) { (spots[key] = spots[key] || []).push(l); }
    });
    const keys = Object.keys(spots).sort();
    const signature = keys.join(",");
    if (labels && labels._signature === signature) { return; }
    if (labels) { labels.remove(); }
    // the labels' own pane, above the spots' shapes but below the markers: a camera placed or
    // proposed at a spot (where the optimiser puts them) is drawn over its label, not hidden by it
    if (!map.getPane("gsSpotLabels")) { map.createPane("gsSpotLabels").style.zIndex = 590; }
    labels = L.layerGroup(keys.map(function (key) {
      const text = key.split(":")[1];
      return L.marker(bounds(spots[key]).getCenter(), {
        interactive: false, keyboard: false, pane: "gsSpotLabels",
        icon: L.divIcon({ className: "gs-spot-label", html: "<span>" + text + "</span>", iconSize: null }),
      });
    }));
    labels._signature = signature;
    labels.addTo(map);
  }
  function watch() {
    const map = window.gridsightMap;
    if (!map || !onPlan() || map._gridsightSpotLabels) { return; }
    map._gridsightSpotLabels = true;
    map.on("layeradd layerremove", function (e) {
      if (pending || (e.layer && e.layer.options && e.layer.options.icon &&
                      e.layer.options.icon.options.className === "gs-spot-label")) { return; }
      pending = true;
      window.setTimeout(relabel, 200);
    });
    relabel();
  }
  const waiting = window.setInterval(function () {
    if (document.readyState === "complete" && !onPlan() && window.gridsightMap) { window.clearInterval(waiting); }
    watch();
    if (window.gridsightMap && window.gridsightMap._gridsightSpotLabels) { window.clearInterval(waiting); }
  }, 300);
  window.setTimeout(function () { window.clearInterval(waiting); }, 120000);

  // Leaflet.draw's tooltips and buttons in Chinese (its strings are one object, L.drawLocal).
  function chinese() {
    const d = window.L && L.drawLocal;
    if (!d || (document.documentElement.lang || "").indexOf("zh") !== 0 || d._gridsightZh) { return !!d; }
    d._gridsightZh = true;
    Object.assign(d.draw.toolbar.actions, { title: "取消绘制", text: "取消" });
    Object.assign(d.draw.toolbar.finish, { title: "完成绘制", text: "完成" });
    Object.assign(d.draw.toolbar.undo, { title: "删除最后一个点", text: "撤销最后一点" });
    Object.assign(d.draw.toolbar.buttons, { polyline: "绘制巡逻路线(折线)", polygon: "绘制多边形",
      rectangle: "绘制矩形", circle: "绘制圆", marker: "放置摄像机(标记)", circlemarker: "绘制圆点" });
    d.draw.handlers.marker.tooltip.start = "点击地图放置摄像机";
    d.draw.handlers.polyline.tooltip = { start: "点击开始绘制路线", cont: "点击继续绘制路线",
                                         end: "点击最后一点结束路线" };
    d.draw.handlers.polyline.error = "<strong>错误：</strong>线段不能交叉！";
    Object.assign(d.edit.toolbar.actions.save, { title: "保存修改", text: "保存" });
    Object.assign(d.edit.toolbar.actions.cancel, { title: "取消编辑，放弃所有修改", text: "取消" });
    Object.assign(d.edit.toolbar.actions.clearAll, { title: "清除所有图形", text: "全部清除" });
    Object.assign(d.edit.toolbar.buttons, { edit: "编辑图形", editDisabled: "没有可编辑的图形",
      remove: "删除图形", removeDisabled: "没有可删除的图形" });
    d.edit.handlers.edit.tooltip = { text: "拖动控制点或标记以编辑", subtext: "点击取消放弃修改" };
    d.edit.handlers.remove.tooltip = { text: "点击要删除的图形" };
    return true;
  }
  // The toolbar may have been built before the strings were replaced: its buttons are retitled.
  function retitle() {
    const d = window.L && L.drawLocal;
    const buttons = document.querySelectorAll(".leaflet-draw-toolbar a");
    if (!d || !buttons.length) { return false; }
    ["polyline", "polygon", "rectangle", "circle", "marker", "circlemarker"].forEach(function (k) {
      document.querySelectorAll(".leaflet-draw-draw-" + k).forEach(function (a) {
        a.title = d.draw.toolbar.buttons[k];
        a.setAttribute("aria-label", d.draw.toolbar.buttons[k]);
      });
    });
    return true;
  }
  // Leaflet.draw (loaded with dash-leaflet's EditControl, after this script) reads its tooltip and
  // action texts when the control is built, right after it sets L.drawLocal: the strings are
  // replaced as they are set, so the control is built in Chinese (waiting for L.drawLocal to appear
  // lost that race now and then, leaving "Click map to place marker." and "Cancel").
  function trapDrawLocal() {
    if (!window.L) { return false; }
    const own = Object.getOwnPropertyDescriptor(L, "drawLocal");
    if (own && own.set) { return true; }
    let strings = L.drawLocal;
    try {
      Object.defineProperty(L, "drawLocal", {
        configurable: true, enumerable: true,
        get: function () { return strings; },
        set: function (value) { strings = value; chinese(); },
      });
    } catch (e) { return true; }  // not extensible: the polling below does what it can
    chinese();
    return true;
  }
  if (!trapDrawLocal()) {
    const lWait = window.setInterval(function () {
      if (trapDrawLocal()) { window.clearInterval(lWait); }
    }, 10);
    window.setTimeout(function () { window.clearInterval(lWait); }, 60000);
  }
  const drawWait = window.setInterval(function () {
    if (!onPlan()) { return; }
    if (chinese() && retitle()) { window.clearInterval(drawWait); }
  }, 200);
  window.setTimeout(function () { window.clearInterval(drawWait); }, 60000);
})();
