/* Accessibility repairs of third-party markup (WCAG 2.1 AA, checked by axe-core in the tests), on
   every page, kept in one place. Dash 4's components render:
   - RadioItems and Checklist as a role=listbox of role=option labels that each wrap an <input>
     (a control inside a control): the inputs are the controls, so the roles go and the box becomes
     a radiogroup / group named by its aria-label holder (data-gs-label on a wrapper, or its title);
   - Dropdown with a focusable <input> marked aria-hidden (the keyboard handle): it gets a name;
   - DatePickerRange with aria-expanded on a plain <div> and a "clear" link with no role;
   - Upload with an unnamed <input type=file>.
   Scrollable panels get tabindex=0 so that the keyboard can scroll them. A MutationObserver applies
   the repairs to whatever the callbacks render later; each repair is idempotent. */
(function () {
  "use strict";

  function groupLabel(box) {
    const holder = box.closest("[data-gs-label]");
    return (holder && holder.getAttribute("data-gs-label")) || box.getAttribute("title") || "";
  }

  function setIf(el, name, value) {
    if (value && el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }

  function repairOptions(root) {
    // only the radio and check lists: a dropdown's open list is a real listbox of options
    root.querySelectorAll(".dash-radioitems[role=listbox], .dash-checklist[role=listbox]").forEach(function (box) {
      box.setAttribute("role", box.querySelector("input[type=radio]") ? "radiogroup" : "group");
      setIf(box, "aria-label", groupLabel(box));
    });
    root.querySelectorAll(".dash-radioitems > .dash-options-list-option[role=option], " +
                          ".dash-checklist > .dash-options-list-option[role=option]").forEach(function (label) {
      label.removeAttribute("role");
      label.removeAttribute("aria-selected");
    });
  }

  function repairDropdowns(root) {
    root.querySelectorAll(".dash-dropdown-focus-target").forEach(function (input) {
      const button = input.parentElement && input.parentElement.querySelector(".dash-dropdown");
      const name = groupLabel(input) ||
        (button && button.textContent.trim()) || (button && button.getAttribute("aria-label")) || "";
      input.removeAttribute("aria-hidden");  // it takes the focus (and hands it to the button): it needs a name
      setIf(input, "aria-label", name);
    });
    // the open list: named after its dropdown
    root.querySelectorAll(".dash-dropdown-options[role=listbox]:not([aria-label])").forEach(function (list) {
      const content = list.closest(".dash-dropdown-content");
      const trigger = content && content.id && document.querySelector("[aria-controls='" + content.id + "']");
      const name = (trigger && (groupLabel(trigger) || trigger.textContent.trim())) || "options";
      list.setAttribute("aria-label", name);
    });
    // the open list's options are labels with role=option around the <input> the keyboard moves
    // through (a control inside a control): as in RadioItems, the inputs are the controls, so the
    // list becomes a radiogroup (a group of checkboxes for a multiple choice) and the labels plain
    // labels naming their input; the trigger opens that dialog, not a listbox
    root.querySelectorAll(".dash-dropdown-options[role=listbox]").forEach(function (list) {
      list.setAttribute("role", list.querySelector("input[type=checkbox]") ? "group" : "radiogroup");
      const content = list.closest(".dash-dropdown-content");
      const trigger = content && content.id && document.querySelector("[aria-controls='" + content.id + "']");
      if (trigger) { trigger.setAttribute("aria-haspopup", "dialog"); }
    });
    root.querySelectorAll(".dash-dropdown-options .dash-options-list-option[role=option]").forEach(function (label) {
      label.removeAttribute("role");
      label.removeAttribute("aria-selected");
    });
    // the dropdown's search box in its open list
    root.querySelectorAll(".dash-dropdown-search:not([aria-label])").forEach(function (input) {
      input.setAttribute("aria-label", input.getAttribute("placeholder") || "search");
    });
  }

  function repairDatePickers(root) {
    root.querySelectorAll(".dash-datepicker-input-wrapper[aria-expanded]").forEach(function (div) {
      if (!div.getAttribute("role")) {
        div.removeAttribute("aria-expanded");
        div.removeAttribute("aria-haspopup");
        div.removeAttribute("aria-disabled");
        div.removeAttribute("aria-labelledby");
      }
    });
    root.querySelectorAll("a.dash-datepicker-clear:not([role])").forEach(function (a) {
      a.setAttribute("role", "button");
      if (!a.hasAttribute("tabindex")) { a.setAttribute("tabindex", "0"); }
    });
  }

  function repairUploads(root) {
    root.querySelectorAll("input[type=file]:not([aria-label])").forEach(function (input) {
      const box = input.parentElement;
      const name = (box && box.textContent.trim()) || "file";
      input.setAttribute("aria-label", name);
    });
  }

  const SCROLLERS = ".gs-legend, .gs-side, .gs-plan-table, .gs-list, .gs-import-errors, .gs-import-help";
  function repairScrollers(root) {
    root.querySelectorAll(SCROLLERS).forEach(function (el) {
      if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); }
    });
  }

  // After a drill-down (a click in the ranking or the breadcrumbs replaces what had the focus) the
  // focus goes to the new unit's name in the breadcrumbs, so keyboard and screen-reader users land
  // on the new content instead of the top of the page.
  let crumbText = null;
  function focusAfterDrill() {
    const nav = document.getElementById("gs-breadcrumbs");
    if (!nav) { return; }
    const text = nav.textContent;
    if (!crumbText || text === crumbText) { crumbText = text; return; }  // the first render is no drill
    crumbText = text;
    const active = document.activeElement;
    const lost = !active || active === document.body || !document.contains(active) ||
      !!active.closest("#gs-ranking, #gs-breadcrumbs");
    const current = nav.querySelector(".gs-crumb.current");
    if (lost && current) {
      current.setAttribute("tabindex", "-1");
      current.focus({ preventScroll: false });
    }
  }

  function repair() {
    const root = document.body;
    if (!root) { return; }
    repairOptions(root);
    repairDropdowns(root);
    repairDatePickers(root);
    repairUploads(root);
    repairScrollers(root);
    focusAfterDrill();
    const nav = document.getElementById("gs-breadcrumbs");
    if (nav && !nav.hasAttribute("aria-label")) {
      nav.setAttribute("aria-label", (document.documentElement.lang || "").indexOf("zh") === 0 ? "当前位置" : "Breadcrumb");
    }
  }

  let queued = false;
  function later() {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(function () { queued = false; repair(); });
  }
  function start() {
    repair();
    new MutationObserver(later).observe(document.body, {
      childList: true, subtree: true, attributes: true,
      attributeFilter: ["role", "aria-hidden", "aria-expanded", "aria-selected"],
    });
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
  window.gridsightA11y = repair;  // the tests run it before checking, so no frame is pending
})();
