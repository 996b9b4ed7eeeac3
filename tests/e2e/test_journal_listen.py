""" "Listen to this article" in Chromium, with the page's speechSynthesis replaced by a recorder (an init
script): the utterances are the article body's sentences in order (not the title, navigation, guide form or
comments), the sentence being read is highlighted and scrolled into view, pause/resume/stop and the speed
do what they say, everything works from the keyboard, and the control is hidden without speech synthesis."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from shop.catalog.services import bump_catalog_revision
from shop.extensions import db
from shop.journal.comment_models import CommentStatus
from tests.e2e.conftest import PHONE, LiveServer
from tests.journal.comment_helpers import add_comment
from tests.journal.helpers import make_article

pytestmark = pytest.mark.e2e

SLUG = "listening-well"
PARAGRAPHS = 10
BODY = "\n\n".join(
    [
        "## Why write at all",
        "A journal is a quiet place. It keeps what you noticed!",
        "- Write the *date* first.\n- Then one honest line? Maybe two.",
        *(
            f"Paragraph {n} opens here. It closes with a [link](/journal) too."
            for n in range(1, PARAGRAPHS + 1)
        ),
        "> A quoted thought ends it all.",
    ]
)
SENTENCES = [
    "Why write at all",
    "A journal is a quiet place.",
    "It keeps what you noticed!",
    "Write the date first.",
    "Then one honest line?",
    "Maybe two.",
    *(
        s
        for n in range(1, PARAGRAPHS + 1)
        for s in (f"Paragraph {n} opens here.", "It closes with a link too.")
    ),
    "A quoted thought ends it all.",
]

# Replaces speechSynthesis: records what is spoken; the test ends each utterance with __speech.finish().
# Like Chromium, cancel() later fires "end" on the utterance it interrupted: the control must ignore it.
RECORDER = """
(() => {
  const spoken = [];
  const calls = [];
  let current = null;
  const synth = {
    speaking: false, paused: false, pending: false,
    speak(utterance) {
      calls.push("speak");
      spoken.push({ text: utterance.text, rate: utterance.rate, lang: utterance.lang });
      current = utterance;
      this.speaking = true;
    },
    cancel() {
      calls.push("cancel");
      const interrupted = current;
      current = null;
      this.speaking = false;
      if (interrupted) { setTimeout(() => interrupted.dispatchEvent(new Event("end")), 0); }
    },
    pause() { calls.push("pause"); },
    resume() { calls.push("resume"); },
    getVoices() { return []; },
    addEventListener() {},
    removeEventListener() {},
  };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
  window.__speech = {
    spoken, calls,
    finish() {
      const utterance = current;
      current = null;
      synth.speaking = false;
      utterance.dispatchEvent(new Event("end"));
    },
  };
})();
"""
WITHOUT_SPEECH = """
delete window.speechSynthesis;
delete window.SpeechSynthesisUtterance;
Object.defineProperty(window, "speechSynthesis", { value: undefined, configurable: true });
"""


@pytest.fixture(scope="module")
def article(live_server: LiveServer) -> Iterator[str]:
    with live_server.app.app_context():
        article = make_article(slug=SLUG, title="Listening well", body=BODY)
        add_comment(article, status=CommentStatus.APPROVED, body="A reader's comment is not read aloud.")
        bump_catalog_revision()
        db.session.commit()
        db.session.remove()
    yield f"/journal/{SLUG}"


@pytest.fixture
def listener(new_context: Callable[..., BrowserContext], article: str) -> Page:
    context = new_context(viewport=PHONE)
    context.add_init_script(RECORDER)
    page = context.new_page()
    page.goto(article)
    return page


def spoken(page: Page) -> list[str]:
    return page.evaluate("() => window.__speech.spoken.map(u => u.text)")


def finish(page: Page) -> None:
    page.evaluate("() => window.__speech.finish()")


def highlighted(page: Page) -> Any:
    return page.locator("[data-listen-source] .listen-sentence--current")


def highlighted_text(page: Page) -> str:
    """The sentence being read: its spans' text joined (one span per text node it crosses)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("[data-listen-source] .listen-sentence--current"))
                      .map(span => span.textContent).join("").replace(/\\s+/g, " ").trim()"""
    )


def control(page: Page) -> Any:
    return page.get_by_role("region", name="Listen to this article")


def status(page: Page) -> Any:
    return page.locator("[data-listen-status]")


def test_it_reads_the_articles_sentences_in_order_highlighting_each(listener: Page) -> None:
    page = listener
    expect(control(page)).to_be_visible()
    expect(highlighted(page)).to_have_count(0)

    page.get_by_role("button", name="Play").click()
    expect(status(page)).to_have_text("Reading the article aloud.")
    for index, sentence in enumerate(SENTENCES):
        assert spoken(page) == SENTENCES[: index + 1]
        assert highlighted_text(page) == sentence
        expect(highlighted(page).first).to_be_in_viewport()
        finish(page)

    assert spoken(page) == SENTENCES
    expect(status(page)).to_have_text("Finished reading the article.")
    expect(highlighted(page)).to_have_count(0)
    expect(page.get_by_role("button", name="Play")).to_be_visible()


def test_pause_resume_and_stop_do_what_they_say(listener: Page) -> None:
    page = listener
    page.get_by_role("button", name="Play").click()
    finish(page)
    assert spoken(page) == SENTENCES[:2]

    # pause: the voice stops, nothing further is spoken (the interrupted sentence's late "end" is ignored)
    pause = page.get_by_role("button", name="Pause")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    expect(status(page)).to_have_text("Paused.")
    assert page.evaluate("() => window.__speech.calls.slice(-1)[0]") == "cancel"
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 50))")  # the late "end" fires
    assert spoken(page) == SENTENCES[:2]
    assert highlighted_text(page) == SENTENCES[1]

    # resume: the paused sentence again from its start, then on
    page.get_by_role("button", name="Resume").click()
    expect(pause).to_have_attribute("aria-pressed", "false")
    expect(status(page)).to_have_text("Reading resumed.")
    assert spoken(page) == [*SENTENCES[:2], SENTENCES[1]]
    finish(page)
    assert spoken(page)[-1] == SENTENCES[2]

    # stop: silence, no highlight, and the next play starts at the top
    page.get_by_role("button", name="Stop").click()
    expect(status(page)).to_have_text("Stopped.")
    expect(highlighted(page)).to_have_count(0)
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 50))")
    assert len(spoken(page)) == 4
    page.get_by_role("button", name="Play").click()
    assert spoken(page)[-1] == SENTENCES[0]


def test_the_speed_applies_to_the_next_sentence_and_is_remembered(listener: Page) -> None:
    page = listener
    page.get_by_role("button", name="Play").click()
    page.get_by_label("Speed").select_option("1.5")
    finish(page)

    rates = page.evaluate("() => window.__speech.spoken.map(u => u.rate)")
    assert rates == [1, 1.5]
    page.reload()
    expect(page.get_by_label("Speed")).to_have_value("1.5")


def test_the_control_works_from_the_keyboard(listener: Page) -> None:
    page = listener
    play = page.get_by_role("button", name="Play")
    play.focus()
    page.keyboard.press("Enter")
    assert spoken(page) == SENTENCES[:1]

    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Pause")).to_be_focused()
    page.keyboard.press("Space")
    expect(status(page)).to_have_text("Paused.")
    page.keyboard.press("Space")
    expect(status(page)).to_have_text("Reading resumed.")
    page.keyboard.press("Escape")
    expect(status(page)).to_have_text("Stopped.")
    expect(play).to_be_focused()


def test_the_control_is_hidden_without_speech_synthesis(
    new_context: Callable[..., BrowserContext], article: str
) -> None:
    context = new_context()
    context.add_init_script(WITHOUT_SPEECH)
    page = context.new_page()
    page.goto(article)

    expect(page.get_by_role("heading", name="Listening well")).to_be_visible()
    expect(page.locator("[data-listen]")).to_be_hidden()
    expect(page.get_by_role("button", name="Play")).to_have_count(0)
