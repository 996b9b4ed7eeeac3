"""Article Markdown becomes safe HTML: nothing hostile survives, headings get anchors, outbound links
get rel="noopener", and reading time is whole minutes."""

import pytest

from shop.journal.rendering import WORDS_PER_MINUTE, reading_minutes, render_markdown
from tests.journal.helpers import Elements

HOSTILE = [
    "<script>alert(1)</script>",
    '<iframe src="https://evil.example"></iframe>',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<img src="x" onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">click</a>',
    '<p style="position:fixed;top:0">cover</p>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](data:image/png;base64,iVBORw0KGgo=)",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">raw</a>',
    "<style>body{display:none}</style>",
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example"><input name="password"></form>',
    '<div id="main">clobber</div>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
]


def _assert_harmless(html: str) -> None:
    elements = Elements(html)
    names = {tag for tag, _ in elements.tags}
    assert not names & {"script", "iframe", "svg", "style", "object", "embed", "form", "input", "math", "div"}
    for tag, attrs in elements.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            if name in {"href", "src"}:
                assert value is not None
                assert value.strip().lower().split(":")[0] not in {"javascript", "vbscript", "data"}, value
            if name == "id":
                assert value and value.startswith("section-")


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_reaches_the_page_as_nothing_worse_than_text(markdown: str) -> None:
    _assert_harmless(render_markdown(f"Intro.\n\n{markdown}\n\nOutro."))


def test_all_hostile_inputs_together_render_harmlessly() -> None:
    _assert_harmless(render_markdown("\n\n".join(HOSTILE)))


def test_raw_html_is_shown_as_text() -> None:
    html = render_markdown("Before <b onclick=x>bold</b> after")

    assert "&lt;b onclick=x&gt;bold&lt;/b&gt;" in html


def test_headings_get_unique_anchors_with_a_link() -> None:
    html = render_markdown("## Pick the moment\n\ntext\n\n## Pick the moment\n\n### Why?")

    assert '<h2 id="section-pick-the-moment">' in html
    assert '<h2 id="section-pick-the-moment-2">' in html
    assert '<h3 id="section-why">' in html
    assert 'href="#section-pick-the-moment"' in html


def test_only_links_leaving_the_shop_get_noopener() -> None:
    elements = Elements(
        render_markdown("[out](https://example.org/x) [in](/products) [mail](mailto:hi@example.com)")
    )

    links = {attrs["href"]: attrs.get("rel") for attrs in elements.named("a")}
    assert links == {"https://example.org/x": "noopener", "/products": None, "mailto:hi@example.com": None}


def test_markdown_features_survive_sanitising() -> None:
    html = render_markdown(
        "**bold** *em* `code`\n\n> quote\n\n1. one\n2. two\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )

    for tag in ("<strong>", "<em>", "<code>", "<blockquote>", "<ol>", "<table>", "<td>"):
        assert tag in html


@pytest.mark.parametrize(
    ("words", "minutes"),
    [(0, 1), (1, 1), (WORDS_PER_MINUTE, 1), (WORDS_PER_MINUTE + 1, 2), (WORDS_PER_MINUTE * 5, 5)],
)
def test_reading_time_is_whole_minutes_rounded_up(words: int, minutes: int) -> None:
    assert reading_minutes(" ".join(["word"] * words)) == minutes


def test_reading_time_counts_words_not_markup() -> None:
    body = "## Heading\n\n" + "[link](https://example.org) " * WORDS_PER_MINUTE

    assert reading_minutes(body) == 2  # the heading's word and one per link: just over a minute
