// Documents (invoices, credit notes, packing slips): a Print button for browsers with JavaScript.
// Without it the button stays hidden and the browser's own Print does the same.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
