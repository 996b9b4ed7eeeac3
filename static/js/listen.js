// "Listen to this article": reads the article body aloud with the browser's speech synthesis, one sentence at a
// time, highlighting the sentence being read. Only the element marked [data-listen-source] is read; the control
// ([data-listen]) stays hidden where the browser has no speech synthesis.
(function () {
  "use strict";

  // Elements whose text forms one run of sentences. Text directly inside the source itself counts as well.
  var BLOCKS = "p, li, h1, h2, h3, h4, h5, h6, blockquote, dt, dd, td, th, figcaption, caption, pre";
  // Never read: decoration (heading anchors), anything hidden, and whatever the page marks as not for listening.
  var SKIP = "script, style, noscript, template, [hidden], [aria-hidden='true'], [data-listen-skip], .heading-anchor";
  var SENTENCE_CLASS = "listen-sentence";
  var CURRENT_CLASS = "listen-sentence--current";
  var RATE_KEY = "listen-rate";
  var SPOKEN = /[\p{L}\p{N}]/u;

  function supported() {
    return typeof window.speechSynthesis === "object" && window.speechSynthesis !== null &&
      typeof window.SpeechSynthesisUtterance === "function";
  }

  // [start, end) offsets of each sentence in `text`.
  function sentenceRanges(text, lang) {
    var ranges = [];
    if (typeof Intl === "object" && typeof Intl.Segmenter === "function") {
      var segmenter = new Intl.Segmenter(lang, { granularity: "sentence" });
      for (var segment of segmenter.segment(text)) {
        ranges.push([segment.index, segment.index + segment.segment.length]);
      }
      return ranges;
    }
    // Older browsers: a sentence ends at . ! ? or … (and any closing quotes or brackets) before a space.
    var boundary = /[.!?…]+["'”’)\]]*\s+/g;
    var start = 0;
    var match;
    while ((match = boundary.exec(text)) !== null) {
      ranges.push([start, match.index + match[0].length]);
      start = match.index + match[0].length;
    }
    if (start < text.length) { ranges.push([start, text.length]); }
    return ranges;
  }

  // The source's readable text nodes, grouped into runs that share their nearest block, in document order.
  function textRuns(source) {
    var runs = [];
    var walker = document.createTreeWalker(source, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        var parent = node.parentElement;
        if (!parent || parent.closest(SKIP)) { return NodeFilter.FILTER_REJECT; }
        return NodeFilter.FILTER_ACCEPT;
      }
    });
    var current = null;
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var block = node.parentElement.closest(BLOCKS);
      if (!block || !source.contains(block)) { block = source; }
      if (!current || current.block !== block) {
        current = { block: block, nodes: [] };
        runs.push(current);
      }
      current.nodes.push(node);
    }
    return runs;
  }

  // Wraps each sentence of the source in spans (one per text node it crosses, so links and emphasis stay intact)
  // and returns the sentences in reading order: [{text, spans}].
  function markSentences(source, lang) {
    var sentences = [];
    textRuns(source).forEach(function (run) {
      var text = run.nodes.map(function (node) { return node.nodeValue; }).join("");
      var runSentences = [];
      sentenceRanges(text, lang).forEach(function (range) {
        var raw = text.slice(range[0], range[1]);
        var spoken = raw.replace(/\s+/g, " ").trim();
        if (!SPOKEN.test(spoken)) { return; }
        var lead = raw.length - raw.replace(/^\s+/, "").length;
        var trail = raw.length - raw.replace(/\s+$/, "").length;
        var sentence = { text: spoken, spans: [], start: range[0] + lead, end: range[1] - trail };
        runSentences.push(sentence);
        sentences.push(sentence);
      });
      var offset = 0;
      run.nodes.forEach(function (node) {
        var nodeStart = offset;
        var nodeEnd = offset + node.nodeValue.length;
        offset = nodeEnd;
        var pieces = [];
        var cursor = nodeStart;
        runSentences.forEach(function (sentence) {
          var start = Math.max(sentence.start, nodeStart);
          var end = Math.min(sentence.end, nodeEnd);
          if (start >= end) { return; }
          if (start > cursor) { pieces.push({ text: text.slice(cursor, start) }); }
          pieces.push({ text: text.slice(start, end), sentence: sentence });
          cursor = end;
        });
        if (!pieces.length) { return; }
        if (cursor < nodeEnd) { pieces.push({ text: text.slice(cursor, nodeEnd) }); }
        var fragment = document.createDocumentFragment();
        pieces.forEach(function (piece) {
          if (!piece.sentence) {
            fragment.append(piece.text);
            return;
          }
          var span = document.createElement("span");
          span.className = SENTENCE_CLASS;
          span.textContent = piece.text;
          piece.sentence.spans.push(span);
          fragment.append(span);
        });
        node.replaceWith(fragment);
      });
    });
    return sentences;
  }

  function inView(element) {
    var box = element.getBoundingClientRect();
    var height = window.innerHeight || document.documentElement.clientHeight;
    return box.top >= 0 && box.bottom <= height;
  }

  function readStoredRate() {
    try { return window.localStorage.getItem(RATE_KEY); } catch (error) { return null; }
  }

  function storeRate(rate) {
    try { window.localStorage.setItem(RATE_KEY, rate); } catch (error) { /* private mode: not remembered */ }
  }

  function initListen(control, source) {
    var synth = window.speechSynthesis;
    var lang = document.documentElement.lang || "en";
    var playButton = control.querySelector("[data-listen-play]");
    var pauseButton = control.querySelector("[data-listen-pause]");
    var stopButton = control.querySelector("[data-listen-stop]");
    var rateSelect = control.querySelector("[data-listen-rate]");
    var status = control.querySelector("[data-listen-status]");
    var progress = control.querySelector("[data-listen-progress]");
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

    var sentences = null; // marked on first play, so a page nobody listens to is left untouched
    var index = 0;
    var state = "idle"; // idle | playing | paused
    var utterance = null; // the one being spoken; events from any other are stale (cancel fires them late)

    var stored = readStoredRate();
    if (stored && rateSelect.querySelector('option[value="' + stored + '"]')) { rateSelect.value = stored; }

    function highlight(sentence) {
      source.querySelectorAll("." + CURRENT_CLASS).forEach(function (span) { span.classList.remove(CURRENT_CLASS); });
      if (!sentence) { return; }
      sentence.spans.forEach(function (span) { span.classList.add(CURRENT_CLASS); });
      if (sentence.spans.length && !inView(sentence.spans[0])) {
        sentence.spans[0].scrollIntoView({ block: "center", behavior: reduceMotion ? "auto" : "smooth" });
      }
    }

    function render(message) {
      control.classList.toggle("listen--active", state !== "idle");
      playButton.textContent = state === "paused" ? "Resume" : "Play";
      playButton.setAttribute("aria-disabled", String(state === "playing"));
      pauseButton.setAttribute("aria-pressed", String(state === "paused"));
      pauseButton.setAttribute("aria-disabled", String(state === "idle"));
      stopButton.setAttribute("aria-disabled", String(state === "idle"));
      if (progress) {
        progress.textContent = state === "idle" || !sentences ? "" : "Sentence " + (index + 1) + " of " + sentences.length;
      }
      if (message !== undefined) { status.textContent = message; }
    }

    function speakCurrent() {
      var sentence = sentences[index];
      var spoken = new window.SpeechSynthesisUtterance(sentence.text);
      spoken.lang = lang;
      spoken.rate = Number(rateSelect.value) || 1;
      spoken.onend = function () {
        if (spoken !== utterance) { return; }
        utterance = null;
        index += 1;
        if (index < sentences.length) {
          speakCurrent();
        } else {
          finish("Finished reading the article.");
        }
      };
      spoken.onerror = function (event) {
        if (spoken !== utterance) { return; }
        utterance = null;
        finish(event && event.error === "not-allowed" ?
          "Your browser did not allow reading aloud." : "Reading aloud stopped.");
      };
      utterance = spoken;
      highlight(sentence);
      render();
      synth.speak(spoken);
    }

    function finish(message) {
      utterance = null;
      state = "idle";
      index = 0;
      highlight(null);
      render(message);
    }

    // Pausing cancels the sentence and resuming says it again from its start: speechSynthesis.pause() is a
    // cancel on Android and does nothing with some desktop voices, so this is the behaviour every browser keeps.
    function silence() {
      utterance = null;
      synth.cancel();
    }

    function play() {
      if (state === "playing") { return; }
      if (!sentences) { sentences = markSentences(source, lang); }
      if (!sentences.length) {
        render("There is no text to read.");
        return;
      }
      if (state === "idle") {
        index = 0;
        synth.cancel(); // drop anything queued before (another tab's reading is per page, this page's is ours)
        state = "playing";
        render("Reading the article aloud.");
      } else {
        state = "playing";
        render("Reading resumed.");
      }
      speakCurrent();
    }

    function pause() {
      if (state !== "playing") { return; }
      silence();
      state = "paused";
      render("Paused.");
    }

    function stop() {
      if (state === "idle") { return; }
      silence();
      finish("Stopped.");
      playButton.focus(); // Stop is now unavailable; keep the keyboard user in the control
    }

    playButton.addEventListener("click", play);
    pauseButton.addEventListener("click", function () {
      if (state === "paused") { play(); } else { pause(); }
    });
    stopButton.addEventListener("click", stop);
    rateSelect.addEventListener("change", function () {
      storeRate(rateSelect.value); // the next sentence is read at the new speed
    });
    control.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && state !== "idle") {
        event.preventDefault();
        stop();
      }
    });
    // Leaving the page must not leave the browser talking.
    window.addEventListener("pagehide", function () { if (state !== "idle") { silence(); } });

    render("");
    control.hidden = false;
  }

  function init() {
    var control = document.querySelector("[data-listen]");
    var source = document.querySelector("[data-listen-source]");
    if (!control || !source || !supported()) { return; }
    initListen(control, source);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
