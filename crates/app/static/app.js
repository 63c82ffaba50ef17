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

// Password strength while typing: a rough guide only; the server's rule decides. Common words
// and keyboard runs, the login ID inside, one repeated character and shortness make it weak.
(function () {
  var COMMON = /(pass|p@ss|pa55|qwert|asdf|zxcv|1234|2345|abcd|admin|root|letmein|welcome|iloveyou|hospital|byoin|0000|1111)/gi;
  function score(value, login) {
    var length = Array.from(value).length;
    if (length === 0) return -1;
    var classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9\s]/, /[^\x00-\x7f]/]
      .filter(function (re) { return re.test(value); }).length;
    // What is left once the words attackers try first are taken out.
    var rest = Array.from(value.replace(COMMON, "")).length;
    var weak = length < 8 || rest < 8 || /^(.)\1*$/.test(value) ||
      (login.length >= 3 && value.toLowerCase().indexOf(login.toLowerCase()) >= 0);
    if (weak) return 0;
    if (length >= 16 || (length >= 13 && classes >= 2)) return 2;
    return 1;
  }
  function attach(meter) {
    var input = document.getElementById(meter.getAttribute("data-strength-for"));
    if (!input) return;
    var labels = (meter.getAttribute("data-labels") || "").split("|");
    var update = function () {
      var loginField = document.getElementById("login");
      var login = meter.getAttribute("data-login") || (loginField ? loginField.value : "");
      var s = score(input.value, login);
      meter.className = "strength" + (s >= 0 ? " strength-" + s : "");
      meter.textContent = s >= 0 ? labels[0] + ": " + labels[s + 1] : "";
    };
    input.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-strength-for]").forEach(attach);
  });
})();
