/* Wall display: says "reconnecting" while the server cannot be reached, and tours the townships.
   Served by the app itself (no CDN). Installs nothing that grows: one fetch wrapper, one timer. */
(function () {
  "use strict";

  // Every Dash callback goes through fetch: a failed one (network error or 5xx) marks the page
  // offline until one succeeds again. The timer keeps polling, so the page recovers by itself.
  // The wall's timer pauses while a poll runs; a poll that fails may leave it paused, so after a
  // failure the timer is started again (the next poll then tells whether the server is back).
  function resumeTimer() {
    const cs = window.dash_clientside;
    if (cs && cs.set_props && document.getElementById("gs-wall")) {
      cs.set_props("gs-wall-tick", { disabled: false });
    }
  }
  function failed() {
    document.body.classList.add("gs-offline");
    window.setTimeout(resumeTimer, 1000);
  }
  const originalFetch = window.fetch;
  window.fetch = function (input) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    const watched = url.indexOf("_dash-update-component") >= 0;
    return originalFetch.apply(this, arguments).then(function (response) {
      if (watched && response.status >= 500) { failed(); }
      else if (watched) { document.body.classList.remove("gs-offline"); }
      return response;
    }, function (error) {
      if (watched) { failed(); }
      throw error;
    });
  };

  // Tour: every N seconds fly to the next township, then back to the whole county; any mouse,
  // key or touch pauses the tour for a minute.
  const IDLE_MS = 60000;
  let pausedUntil = 0;
  ["mousemove", "mousedown", "keydown", "touchstart", "wheel"].forEach(function (name) {
    window.addEventListener(name, function () { pausedUntil = Date.now() + IDLE_MS; }, { passive: true });
  });

  function townships(map) {
    const found = [];
    map.eachLayer(function (l) {
      const p = l.feature && l.feature.properties;
      if (p && p.level === "township" && l.getBounds) { found.push(l); }
    });
    return found.sort(function (a, b) { return a.feature.properties.code < b.feature.properties.code ? -1 : 1; });
  }

  function startTour(seconds) {
    let step = -1;
    let home = null;
    window.setInterval(function () {
      const map = window.gridsightMap;
      if (!map || Date.now() < pausedUntil) { return; }
      const units = townships(map);
      if (!units.length) { return; }
      if (!home) { home = map.getBounds(); }
      step = (step + 1) % (units.length + 1);
      map.flyToBounds(step === units.length ? home : units[step].getBounds(), { duration: 1.5 });
      window.gridsightTourStep = step;
    }, seconds * 1000);
  }

  // Laid out for the screen it is on: the county fills the map whatever the screen's size (the
  // layout's bounds were fitted before the map knew its size), the feed shows only the rows that fit
  // whole (fewer on a short screen, never one cut through), township names stay readable.
  function countyBounds(map) {
    let bounds = null;
    townships(map).forEach(function (l) {
      const b = l.getBounds();
      bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    });
    return bounds;
  }
  let fitted = null;
  function fitCounty() {
    const map = window.gridsightMap;
    if (!map || !document.getElementById("gs-wall")) { return false; }
    const bounds = countyBounds(map);
    if (!bounds) { return false; }
    const size = map.getSize().x + "x" + map.getSize().y;
    if (fitted === size) { return true; }
    map.invalidateSize({ animate: false });
    const pad = Math.round(map.getSize().y * 0.02);
    map.fitBounds(bounds, { padding: [pad, pad], animate: false });
    fitted = size;
    return true;
  }
  function fitFeed() {
    const list = document.getElementById("gs-wall-feed");
    const box = list && list.closest(".gs-wall-feed-box");
    if (!box) { return; }
    const rows = Array.prototype.slice.call(list.children);
    rows.forEach(function (li) { li.style.display = ""; });
    const bottom = box.getBoundingClientRect().bottom;
    let full = false;
    rows.forEach(function (li) {
      if (full || li.getBoundingClientRect().bottom > bottom + 0.5) { full = true; li.style.display = "none"; }
    });
    // a date line with no row of its day under it says nothing
    const shown = rows.filter(function (li) { return li.style.display !== "none"; });
    if (shown.length && shown[shown.length - 1].classList.contains("gs-wall-day")) {
      shown[shown.length - 1].style.display = "none";
    }
  }
  window.gridsightWallFit = function () { fitted = null; fitCounty(); fitFeed(); };
  window.addEventListener("resize", function () { fitted = null; fitCounty(); fitFeed(); });
  const layoutWatch = window.setInterval(function () {
    if (!document.getElementById("gs-wall")) { return; }
    const list = document.getElementById("gs-wall-feed");
    if (list && !list._gridsightFit) {
      list._gridsightFit = true;
      new MutationObserver(fitFeed).observe(list, { childList: true });
      fitFeed();
    }
    if (fitCounty() && list && list._gridsightFit) { window.clearInterval(layoutWatch); }
  }, 250);
  window.setTimeout(function () { window.clearInterval(layoutWatch); }, 120000);

  const waiting = window.setInterval(function () {
    const el = document.getElementById("gs-wall-tour");
    if (!el) { return; }
    window.clearInterval(waiting);
    const seconds = parseInt(el.textContent || "0", 10);
    if (seconds > 0) { startTour(seconds); }
  }, 500);
  window.setTimeout(function () { window.clearInterval(waiting); }, 60000);  // not the wall page
})();
