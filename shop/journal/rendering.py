"""Article bodies: Markdown to sanitised HTML, heading anchors, outbound links, reading time.

Raw HTML in the Markdown is not rendered (it shows as text), and the renderer's output then goes through
nh3 with a short allow-list, so nothing a writer (or a stolen staff account) types reaches the page as
script, frame, event attribute, inline style or a `javascript:`/`data:` URL.
"""

import math
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

# An adult's silent reading pace, words per minute; "1 min read" is the least we show.
WORDS_PER_MINUTE = 220
ANCHOR_PREFIX = "section-"
ANCHORED_LEVELS = frozenset({"h2", "h3", "h4"})

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "del", "em", "figcaption", "figure", "h2", "h3", "h4",
        "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
        "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class", "aria-label"},  # rel: only "noopener", see _sanitise
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Content dropped with the tag (not just unwrapped): script and style text is never shown as words.
STRIPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "svg", "math", "template"})


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "part"


def is_external(href: str) -> bool:
    """A link that leaves the shop: absolute http(s) with a host (relative links stay)."""
    parts = urlsplit(href)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _heading_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if token.tag in ANCHORED_LEVELS:
        inline = tokens[idx + 1]
        used: dict[str, int] = env.setdefault("anchors", {})
        base = ANCHOR_PREFIX + _slug(inline.content)
        count = used.get(base, 0)
        used[base] = count + 1
        anchor = base if count == 0 else f"{base}-{count + 1}"
        token.attrSet("id", anchor)
        env["open_anchor"] = anchor
    return self.renderToken(tokens, idx, options, env)


def _heading_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    anchor = env.pop("open_anchor", None)
    link = ""
    if anchor and tokens[idx].tag in ANCHORED_LEVELS:
        link = f'<a class="heading-anchor" href="#{anchor}" aria-label="Link to this section">#</a>'
    return link + self.renderToken(tokens, idx, options, env)


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if is_external(str(token.attrGet("href") or "")):
        token.attrSet("rel", "noopener")
    return self.renderToken(tokens, idx, options, env)


def _image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    tokens[idx].attrSet("loading", "lazy")
    return self.image(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    # CommonMark plus tables and strikethrough; raw HTML off, so "<script>" is text, not markup.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("heading_close", _heading_close)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    return md


_MARKDOWN = _parser()


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not value.startswith(ANCHOR_PREFIX):
        return None  # no id that could clobber the page's own (main, csrf_token, ...)
    if attribute == "class" and value != "heading-anchor":
        return None
    return value


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(STRIPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(URL_SCHEMES),
        # nh3 would put one rel on every link; the renderer sets it on links leaving the shop only.
        link_rel=None,
        tag_attribute_values={"a": {"rel": {"noopener"}}},
        strip_comments=True,
    )


def render_markdown(markdown_text: str) -> str:
    """The article body as HTML that is safe to put in the page unescaped."""
    return _sanitise(_MARKDOWN.render(markdown_text))


def plain_text(markdown_text: str) -> str:
    """The words of the body without markup (for reading time and listen-to-this)."""
    tokens = _MARKDOWN.parse(markdown_text)
    words: list[str] = []
    for token in tokens:
        if token.type == "inline" and token.children:
            words.extend(child.content for child in token.children if child.type in {"text", "code_inline"})
        elif token.type in {"code_block", "fence"}:
            words.append(token.content)
    return " ".join(words)


def reading_minutes(markdown_text: str) -> int:
    """Whole minutes to read the body at WORDS_PER_MINUTE, rounded up; at least 1."""
    words = len(plain_text(markdown_text).split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
