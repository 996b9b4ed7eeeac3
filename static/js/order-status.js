// "Payment processing…": reload after a few seconds until the order is confirmed (the page stops
// including this script once it is). Without JavaScript the page's Refresh link does the same.
(function () {
  "use strict";
  var pending = document.querySelector("[data-order-pending]");
  if (!pending) { return; }
  var seconds = Number(pending.getAttribute("data-refresh-seconds")) || 3;
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
