// Copy buttons: progressive enhancement. Without this script the field stays a read-only text
// box whose whole value is selected on focus by CSS (user-select: all), so it can be copied by
// hand; the (hidden) button is only shown when the script runs. Loaded from /static, so the
// Content-Security-Policy needs no inline script.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy") + "-copied");
    if (!field) { return; }
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      var done = function () { if (status) { status.textContent = "Copied."; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (document.execCommand("copy")) { done(); }
        });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
    button.hidden = false;
  });
})();
