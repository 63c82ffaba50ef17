// mamori's small helpers. Loaded as a file (the CSP forbids inline script).
"use strict";
document.addEventListener("click", function (event) {
  var target = event.target;
  if (!(target instanceof Element)) return;
  var confirmButton = target.closest("[data-confirm]");
  if (confirmButton && !window.confirm(confirmButton.getAttribute("data-confirm"))) {
    event.preventDefault();
    return;
  }
  if (target.closest(".print-button")) {
    window.print();
  }
});
