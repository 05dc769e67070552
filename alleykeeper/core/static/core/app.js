/* Behaviour every page shares, from data attributes: the content security policy allows no inline script
   (no <script> body, no onclick=, no hx-on). */
(function () {
  "use strict";

  // On a phone the menu scrolls sideways: bring the current entry into view when it is out of view. Not once the
  // menu has been scrolled: a finger that has already moved it to tap another entry must not see that entry
  // slide away under it (this script runs when the page has been parsed, after the page is first shown).
  var nav = document.querySelector(".mainnav");
  var current = nav && nav.querySelector("[aria-current]");
  if (current && nav.scrollLeft === 0) {
    var entry = current.getBoundingClientRect(), menu = nav.getBoundingClientRect();
    if (entry.left < menu.left || entry.right > menu.right) {
      nav.scrollLeft = entry.left - menu.left - (menu.width - entry.width) / 2;
    }
  }

  // A table wider than the screen scrolls inside its box (.table-wrap): such a box is reachable and scrollable
  // with the keyboard (WCAG 2.1.1) and says what it holds; a box that fits stays out of the tab order.
  function scrollableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth <= box.clientWidth + 1 || box.hasAttribute("tabindex")) return;
      var section = box.closest("section, .card");
      var heading = section && section.querySelector("h2, h3");
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", (heading ? heading.textContent.trim() + "：" : "") + "表格，可左右滑动");
    });
  }
  scrollableTables();
  document.addEventListener("htmx:afterSwap", scrollableTables);

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print], [data-confirm]");
    if (!target) return;
    if (target.hasAttribute("data-print")) {
      window.print();
    } else if (!window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-select-on-focus]")) event.target.select();
  });

  // A region that shows a notice (data-failed-notice="id") when one of its htmx requests fails, and hides it
  // again after a successful swap.
  function failedNotice(event, hidden) {
    var region = event.target.closest && event.target.closest("[data-failed-notice]");
    var notice = region && document.getElementById(region.getAttribute("data-failed-notice"));
    if (notice) notice.hidden = hidden;
  }
  document.addEventListener("htmx:sendError", function (event) { failedNotice(event, false); });
  document.addEventListener("htmx:responseError", function (event) { failedNotice(event, false); });
  document.addEventListener("htmx:afterSwap", function (event) { failedNotice(event, true); });

  // A polling region (data-pause-while-typing) is not refreshed while someone types in one of its fields.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var region = event.detail.elt;
    if (region.hasAttribute("data-pause-while-typing") && region.contains(document.activeElement) &&
        document.activeElement.matches("input, textarea, select")) {
      event.preventDefault();
    }
  });
})();
