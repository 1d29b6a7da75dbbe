/* Gridsight time playback: the incidents of the selected unit and window, drawn frame by frame on a
   canvas of their own over the map, from data fetched once per view (GET /api/playback). Play, pause,
   speed, a step or a scrub never ask the server anything. Also draws the weekday x hour chart of the
   selected unit. Served by the app itself (no CDN). */
(function () {
  "use strict";
  const SEVERITY_COLOR = { 1: "#fde047", 2: "#fb923c", 3: "#f43f5e", 4: "#be123c" };
  const HOUR = 3600 * 1000;
  const STEP = { hour: HOUR, day: 24 * HOUR };
  const SLIDING = { hour: 24 * HOUR, day: 7 * 24 * HOUR };  // the frame's width in sliding mode
  const DAYS = { en: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], zh: ["一", "二", "三", "四", "五", "六", "日"] };

  const player = {
    data: null, key: null, frame: 0, frames: 0, playing: false, timer: null, last: 0,
    speed: 10, step: "hour", mode: "cumulative", layer: null, config: null, drawMs: [],
  };
  window.gridsightPlayback = player;

  // The first index whose time is > t (times sorted ascending).
  function upper(times, t) {
    let lo = 0, hi = times.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (times[mid] <= t) { lo = mid + 1; } else { hi = mid; } }
    return lo;
  }

  // A canvas over the map (its own pane, clicks go through), redrawn after every pan and zoom.
  const PlaybackLayer = L.Layer.extend({
    onAdd: function (map) {
      if (!map.getPane("gsPlayback")) {
        const pane = map.createPane("gsPlayback");
        pane.style.zIndex = 450;
        pane.style.pointerEvents = "none";
      }
      this._canvas = L.DomUtil.create("canvas", "gs-play-canvas", map.getPane("gsPlayback"));
      this._zoom = null;
      map.on("moveend zoomend resize viewreset", this._reset, this);
      map.on("zoomstart", this._hide, this);
      this._reset();
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize viewreset", this._reset, this);
      map.off("zoomstart", this._hide, this);
      L.DomUtil.remove(this._canvas);
    },
    _hide: function () { this._canvas.style.visibility = "hidden"; },
    _reset: function () {
      const map = this._map, size = map.getSize();
      this._topLeft = map.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(this._canvas, this._topLeft);
      this._canvas.width = size.x; this._canvas.height = size.y;
      this._canvas.style.visibility = "visible";
      if (this._zoom !== map.getZoom() || this._points !== player.data) { this._project(); }
      draw();
    },
    _project: function () {  // pixel positions at this zoom, once per zoom and data set
      const map = this._map, d = player.data, z = map.getZoom();
      this._zoom = z; this._points = d;
      if (!d) { return; }
      this._px = new Float64Array(d.count); this._py = new Float64Array(d.count);
      for (let i = 0; i < d.count; i++) {
        const p = map.project([d.y[i], d.x[i]], z);
        this._px[i] = p.x; this._py[i] = p.y;
      }
    },
    paint: function (from, to, fresh) {
      const ctx = this._canvas.getContext("2d");
      ctx.clearRect(0, 0, this._canvas.width, this._canvas.height);
      const d = player.data;
      if (!d || this._points !== d) { return; }
      const origin = this._map.getPixelOrigin().add(this._topLeft);
      for (let i = from; i < to; i++) {
        const x = this._px[i] - origin.x, y = this._py[i] - origin.y;
        if (x < -10 || y < -10 || x > this._canvas.width + 10 || y > this._canvas.height + 10) { continue; }
        const now = i >= fresh;  // happened within the last step: drawn as it happens
        ctx.beginPath();
        ctx.arc(x, y, now ? 7 : 3 + 0.6 * d.s[i], 0, 2 * Math.PI);
        ctx.fillStyle = SEVERITY_COLOR[d.s[i]] || "#f43f5e";
        ctx.globalAlpha = now ? 1 : 0.75;
        ctx.fill();
        if (now) { ctx.lineWidth = 2; ctx.strokeStyle = "#ffffff"; ctx.stroke(); }
      }
      ctx.globalAlpha = 1;
    },
  });

  function frameTime(i) { return Math.min(player.data.start + i * STEP[player.step], player.data.end); }

  // The incidents of frame i: [from, to), those of its last step from `fresh` on.
  function frameRange(i) {
    const d = player.data, t = frameTime(i);
    const to = upper(d.t, t);
    const from = player.mode === "sliding" ? upper(d.t, t - SLIDING[player.step]) : 0;
    return [from, to, Math.max(from, upper(d.t, t - STEP[player.step]))];
  }

  let format = null;
  function label(t) {  // YYYY-MM-DD HH:MM in the server's display time zone
    if (!format) {
      format = new Intl.DateTimeFormat("sv-SE", { timeZone: (player.config && player.config.tz) || undefined,
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
    }
    return format.format(new Date(t));
  }

  function draw() {
    if (!player.data) { return; }
    const t0 = performance.now();
    const range = frameRange(player.frame);
    if (player.layer && player.layer._map) { player.layer.paint(range[0], range[1], range[2]); }
    const slider = document.getElementById("gs-play-slider");
    if (slider) { slider.value = String(player.frame); slider.setAttribute("aria-valuetext", label(frameTime(player.frame))); }
    const time = document.getElementById("gs-play-time");
    if (time) { time.textContent = label(frameTime(player.frame)); }
    const count = document.getElementById("gs-play-count");
    if (count) { count.textContent = String(range[1] - range[0]); count.dataset.frame = String(player.frame); }
    player.drawMs.push(performance.now() - t0);
    if (player.drawMs.length > 1000) { player.drawMs.shift(); }
  }

  // Hide the incidents layer while the playback runs (it draws them), show it again after.
  function incidentsShown(shown) {
    window.gridsightPlaybackOn = !shown;
    const map = window.gridsightMap;
    if (!map) { return; }
    map.eachLayer(function (l) {
      const p = l.feature && l.feature.properties;
      if (!p || p.layer !== "incidents" || !l.setStyle) { return; }
      if (!shown) {
        if (!l._gsShown) { l._gsShown = { opacity: l.options.opacity, fillOpacity: l.options.fillOpacity }; }
        l.setStyle({ opacity: 0, fillOpacity: 0 });
      } else {
        l.setStyle(l._gsShown || { opacity: 1, fillOpacity: 0.8 });
      }
    });
  }

  function ensureLayer() {
    const map = window.gridsightMap;
    if (!map) { return false; }
    if (!player.layer) { player.layer = new PlaybackLayer(); }
    if (!player.layer._map) { player.layer.addTo(map); incidentsShown(false); }
    return true;
  }

  function go(frame) {
    if (!player.data || !ensureLayer()) { return; }
    player.frame = Math.max(0, Math.min(player.frames, frame));
    draw();
    if (player.frame >= player.frames) { pause(); }
  }

  function tick(now) {
    if (!player.playing) { return; }
    if (now - player.last >= 1000 / player.speed) {
      player.last = now;
      go(player.frame + 1);
    }
    if (player.playing) { window.requestAnimationFrame(tick); }
  }

  function setButton() {
    const b = document.getElementById("gs-play-toggle");
    if (!b || !player.config) { return; }
    const text = player.playing ? player.config.labels.pause : player.config.labels.play;
    b.textContent = player.playing ? "| |" : "▶";
    b.title = text; b.setAttribute("aria-label", text);
    b.setAttribute("aria-pressed", player.playing ? "true" : "false");
  }

  function play() {
    if (!player.data || !ensureLayer()) { return; }
    if (player.frame >= player.frames) { player.frame = 0; }
    player.playing = true; player.last = 0; setButton();
    window.requestAnimationFrame(tick);
  }
  function pause() { player.playing = false; setButton(); }

  function reset() {
    pause();
    player.frame = 0;
    if (player.layer && player.layer._map) { player.layer.remove(); }
    incidentsShown(true);
    draw();
  }

  function setFrames() {
    const d = player.data;
    player.frames = d ? Math.ceil((d.end - d.start) / STEP[player.step]) : 0;
    const slider = document.getElementById("gs-play-slider");
    if (slider) { slider.max = String(player.frames); }
    player.frame = Math.min(player.frame, player.frames);
  }

  function chart() {
    const canvas = document.getElementById("gs-play-chart");
    if (!canvas || !player.data) { return; }
    const d = player.data, lang = player.config && player.config.lang === "en" ? "en" : "zh";
    const counts = new Array(7 * 24).fill(0);
    for (let i = 0; i < d.count; i++) { counts[d.d[i] * 24 + d.h[i]] += 1; }
    const top = Math.max.apply(null, counts.concat([1]));
    const ctx = canvas.getContext("2d");
    const left = 22, cw = (canvas.width - left) / 24, ch = (canvas.height - 10) / 7;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = "8px sans-serif"; ctx.fillStyle = "#9ca3af"; ctx.textBaseline = "middle";
    for (let day = 0; day < 7; day++) {
      ctx.fillStyle = "#9ca3af";
      ctx.fillText(DAYS[lang][day], 0, day * ch + ch / 2);
      for (let h = 0; h < 24; h++) {
        const n = counts[day * 24 + h];
        ctx.fillStyle = n ? "rgba(244, 63, 94, " + (0.15 + 0.85 * n / top).toFixed(3) + ")" : "#1f2937";
        ctx.fillRect(left + h * cw, day * ch, cw - 1, ch - 1);
      }
    }
    ctx.fillStyle = "#9ca3af"; ctx.textBaseline = "alphabetic";
    [0, 6, 12, 18].forEach(function (h) { ctx.fillText(String(h), left + h * cw, canvas.height - 1); });
    let best = 0;
    counts.forEach(function (n, i) { if (n > counts[best]) { best = i; } });
    const peak = DAYS[lang][Math.floor(best / 24)] + " " + String(best % 24).padStart(2, "0") + ":00";
    canvas.setAttribute("aria-label", player.config.labels.play_chart + ": " + d.count + " · max " + peak +
      " (" + counts[best] + ")");
    canvas.dataset.total = String(counts.reduce(function (a, b) { return a + b; }, 0));
  }

  function select(name, label, options, value, onChange) {
    const wrap = document.createElement("label");
    wrap.className = "gs-play-field";
    const span = document.createElement("span");
    span.className = "gs-play-label"; span.textContent = label;
    const el = document.createElement("select");
    el.id = "gs-play-" + name; el.className = "gs-play-select";
    el.setAttribute("aria-label", label);  // named even when narrow screens hide the visible label
    options.forEach(function (o) {
      const opt = document.createElement("option");
      opt.value = o[0]; opt.textContent = o[1]; opt.selected = o[0] === value;
      el.appendChild(opt);
    });
    el.addEventListener("change", function () { onChange(el.value); });
    wrap.appendChild(span); wrap.appendChild(el);
    return wrap;
  }

  // Build the selects and the slider once (the bar's data-config), wire the buttons.
  function controls() {
    const box = document.getElementById("gs-play-controls");
    if (!box || box.dataset.built) { return !!box; }
    box.dataset.built = "1";
    const cfg = player.config = JSON.parse(box.dataset.config);
    const l = cfg.labels;
    player.speed = cfg.speed;
    box.appendChild(select("speed", l.play_speed, cfg.speeds.map(function (s) { return [String(s), String(s)]; }),
      String(cfg.speed), function (v) { player.speed = Number(v); }));
    box.appendChild(select("step", l.play_step, [["hour", l.play_hour], ["day", l.play_day]], player.step,
      function (v) {
        const t = player.data ? frameTime(player.frame) : 0;
        player.step = v; setFrames();
        if (player.data) { player.frame = Math.ceil((t - player.data.start) / STEP[v]); go(player.frame); }
      }));
    box.appendChild(select("mode", l.play_mode, [["cumulative", l.play_cumulative], ["sliding", l.play_sliding]],
      player.mode, function (v) { player.mode = v; go(player.frame); }));
    const slider = document.createElement("input");
    slider.type = "range"; slider.id = "gs-play-slider"; slider.className = "gs-play-slider";
    slider.min = "0"; slider.max = "0"; slider.step = "1"; slider.value = "0";
    slider.setAttribute("aria-label", l.play_time);
    slider.addEventListener("input", function () { pause(); go(Number(slider.value)); });
    box.appendChild(slider);
    document.getElementById("gs-play-toggle").addEventListener("click", function () {
      if (player.playing) { pause(); } else { play(); }
    });
    document.getElementById("gs-play-back").addEventListener("click", function () { pause(); go(player.frame - 1); });
    document.getElementById("gs-play-forward").addEventListener("click", function () { pause(); go(player.frame + 1); });
    document.getElementById("gs-play-reset").addEventListener("click", reset);
    setButton();
    return true;
  }

  // Draw `frames` frames back to back, one per animation frame, at full speed: frames per second
  // and the drawing time per frame (make bench).
  player.bench = function (frames) {
    return new Promise(function (resolve) {
      if (!player.data || !ensureLayer()) { resolve(null); return; }
      pause();
      player.frame = 0; player.drawMs = [];
      let n = 0;
      const t0 = performance.now();
      function next() {
        go((player.frame + 1) % (player.frames + 1));
        n += 1;
        if (n < frames) { window.requestAnimationFrame(next); return; }
        const seconds = (performance.now() - t0) / 1000;
        const sorted = player.drawMs.slice().sort(function (a, b) { return a - b; });
        resolve({ frames: n, fps: n / seconds, drawMedianMs: sorted[Math.floor(sorted.length / 2)],
                  drawP95Ms: sorted[Math.floor(sorted.length * 0.95)], incidents: player.data.count });
      }
      window.requestAnimationFrame(next);
    });
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    gridsight_play: {
      // Fetch the view's incidents once (when the unit, window or filters change) and keep the frame.
      load: async function (state, lang) {
        const skip = window.dash_clientside.no_update;
        if (!state || !controls()) { return skip; }
        let query = "?days=" + state.days + "&lang=" + (lang || "zh");
        if (state.unit) { query += "&unit=" + encodeURIComponent(state.unit); }
        if (state.cat && state.cat.length) { query += "&cat=" + state.cat.join(","); }
        if (state.status && state.status.length) { query += "&status=" + state.status.join(","); }
        if (state.start && state.end) { query += "&start=" + state.start + "&end=" + state.end; }
        if (query === player.key) { return skip; }
        player.key = query;
        let data;
        try {
          const r = await fetch("/api/playback" + query);
          if (!r.ok) { throw new Error(String(r.status)); }
          data = await r.json();
        } catch (err) {
          player.key = null;
          return skip;
        }
        if (player.key !== query) { return skip; }
        const wasOn = player.layer && player.layer._map;
        pause();
        player.data = data;
        setFrames();
        player.frame = wasOn ? Math.min(player.frame, player.frames) : 0;
        if (player.layer) { player.layer._points = null; if (player.layer._map) { player.layer._reset(); } }
        chart();
        draw();
        return { unit: data.unit, count: data.count, start: data.start, end: data.end, frames: player.frames };
      },
    },
  });
})();
