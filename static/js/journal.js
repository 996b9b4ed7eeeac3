// Journal pages: the back-to-top control appears once the reader has scrolled a screen or so down,
// and moves focus to the top of the page as well as the view. No inline script: the CSP forbids it.
(function () {
  "use strict";
  var control = document.querySelector("[data-back-to-top]");
  if (!control) {
    return;
  }
  var link = control.querySelector("a");
  var threshold = function () {
    return Math.max(400, window.innerHeight);
  };
  var ticking = false;
  var update = function () {
    ticking = false;
    control.hidden = window.scrollY < threshold();
  };
  window.addEventListener(
    "scroll",
    function () {
      if (!ticking) {
        ticking = true;
        window.requestAnimationFrame(update);
      }
    },
    { passive: true }
  );
  link.addEventListener("click", function (event) {
    event.preventDefault();
    var reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    window.scrollTo({ top: 0, behavior: reduce ? "auto" : "smooth" });
    var main = document.getElementById("main");
    if (main) {
      main.focus({ preventScroll: true });
    }
  });
  update();
})();
