// Show-password: progressive enhancement. Without this script the passwords stay masked and the
// (hidden) checkbox is never shown. Loaded from /static, so the Content-Security-Policy needs no
// inline script.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-show-password]");
  Array.prototype.forEach.call(boxes, function (box) {
    var toggle = box.querySelector("input[type=checkbox]");
    var fields = box.getAttribute("data-show-password").split(" ")
      .map(function (id) { return document.getElementById(id); })
      .filter(function (field) { return field; });
    if (!toggle || fields.length === 0) { return; }
    toggle.checked = false;
    toggle.addEventListener("change", function () {
      fields.forEach(function (field) { field.type = toggle.checked ? "text" : "password"; });
    });
    // Never submit a password as visible text that a later page could cache or autofill.
    var form = toggle.form;
    if (form) {
      form.addEventListener("submit", function () {
        fields.forEach(function (field) { field.type = "password"; });
      });
    }
    box.hidden = false;
  });
  // GOV.UK's error summary: move focus to it so screen readers announce the problem.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
})();
