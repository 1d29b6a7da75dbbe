/* The import page's uploads: the files chosen in (or dropped on) the drop zone #gs-import-upload
   are posted as multipart/form-data to /import/upload, which streams them to disk; the answer's
   token goes into the page's store gs-import-token, which the check callback reads. The drop
   zone's own handling (reading every file into base64 for a callback) is stopped before it starts. */
(function () {
  "use strict";
  const ZONE = "gs-import-upload";
  const ROUTE = "/import/upload";

  function inZone(target) {
    return target && target.closest && target.closest("#" + ZONE);
  }

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(id, props);
    }
  }

  function errorLine(message) {  // an html.P(className="gs-error"), as Dash describes components
    return { type: "P", namespace: "dash_html_components",
             props: { children: String(message), className: "gs-error" } };
  }

  function send(files) {
    if (!files || !files.length) { return; }
    const form = new FormData();
    Array.prototype.forEach.call(files, function (f) { form.append("file", f, f.name); });
    setProps("gs-import-result", { children: null });
    fetch(ROUTE, { method: "POST", body: form, credentials: "same-origin" })
      .then(function (r) {
        return r.text().then(function (body) {
          let data = {};
          try { data = JSON.parse(body); } catch (e) { data = { error: r.status + " " + r.statusText }; }
          return { ok: r.ok, data: data };
        });
      })
      .then(function (answer) {
        if (answer.ok) {
          setProps("gs-import-token", { data: answer.data.token });
        } else {
          setProps("gs-import-token", { data: null });
          setProps("gs-import-result", { children: errorLine(answer.data.error || "upload refused") });
        }
      })
      .catch(function (e) {
        setProps("gs-import-result", { children: errorLine(e) });
      });
  }

  // Capture phase on window: runs before React's listeners on its root, which are then not told.
  window.addEventListener("change", function (event) {
    const input = event.target;
    if (!inZone(input) || input.type !== "file") { return; }
    event.stopPropagation();
    send(input.files);
    input.value = "";  // the same file chosen again is a new upload
  }, true);

  window.addEventListener("drop", function (event) {
    if (!inZone(event.target)) { return; }
    event.preventDefault();
    event.stopPropagation();
    send(event.dataTransfer && event.dataTransfer.files);
  }, true);
})();
