"""Hypothesis strategies for hostile requests, built from a route's rule (its methods and converters) and
the forms the crawl found for it (tests/hostile/world.py): real field names and values, then mangled."""

import io
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.routing import IntegerConverter, PathConverter, Rule
from werkzeug.test import encode_multipart

from tests.hostile.world import World

MEGABYTE = 1024 * 1024
BOUNDARY = "----HostileInputBoundary7MA4YWxkTrZu0gW"
DEEP_LISTS = "[" * 10_000 + "]" * 10_000
DEEP_OBJECTS = '{"a":' * 10_000 + "1" + "}" * 10_000

# Values that broke something somewhere once: unicode digits, NUL, lone surrogates, numbers past 64
# bits, control characters, markup, and a megabyte.
JUNK_STRINGS = [
    "",
    " ",
    "²",
    "٣",
    "１２",
    "¹⁰",
    "-1",
    "0",
    "1.5",
    "1e400",
    "NaN",
    "-0",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\x1b[31m",
    "\x85",
    "\u202e",
    "\r\n",
    "9" * 40,
    str(2**63),
    str(-(2**63) - 1),
    str(2**31),
    "null",
    "true",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "a" * MEGABYTE,
    "٣" * (MEGABYTE // 2),
]
JUNK_INTS = [0, -1, 2**31, 2**63, 10**30, -(10**30)]

# Keys views read that no crawled form shows: the JSON APIs' bodies and query parameters.
EXTRA_KEYS = [
    "sku",
    "quantity",
    "country",
    "code",
    "line_id",
    "action",
    "page",
    "q",
    "category",
    "status",
    "from",
    "to",
    "t",
    "session_id",
    "next",
    "confirmed",
    "subscribed",
    "customer",
    "utm_source",
    "csrf_token",
]
CONTENT_TYPES = [
    "text/plain",
    "application/xml",
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",  # no boundary
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    "image/png",
]
RAW_BODIES = [
    b"",
    b"\x00\xff\xfe\xfd",
    b"{",
    b"a=%ZZ&b",
    b"--x\r\nContent-Disposition: form-data\r\n",
    b"\xed\xa0\x80",
]


def _with_surrogate(text: str, surrogate: str, tail: str) -> str:
    return text + surrogate + tail


junk_text = st.one_of(
    st.sampled_from(JUNK_STRINGS),
    st.text(max_size=20),
    st.builds(
        _with_surrogate, st.text(max_size=5), st.sampled_from(["\ud800", "\udc00"]), st.text(max_size=5)
    ),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
)

junk_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(JUNK_INTS),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        junk_text,
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@dataclass
class JunkRequest:
    """One request, ready for the test client, with a short description for a failure message."""

    method: str
    path: str
    query: str = ""
    body: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "none"

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def send(self, client: Any) -> Any:
        return client.open(
            self.url, method=self.method, data=self.body, content_type=self.content_type, headers=self.headers
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how Hypothesis prints an example
        printer.text(repr(self))

    def __repr__(self) -> str:
        body = self.body
        if body is not None and len(body) > 200:
            body = body[:200] + b"..."
        return f"{self.method} {self.url[:300]} [{self.kind}, {self.content_type}] {body!r}"


def encode(value: str) -> str:
    """Percent-encode text as UTF-8, lone surrogates included (as a browser never would)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def urlencode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{encode(key)}={encode(value)}" for key, value in pairs)


def _printable(value: str) -> str:
    """The multipart encoder needs UTF-8: a lone surrogate becomes U+FFFD there (JSON and forms keep it)."""
    return value.encode("utf-8", "replace").decode("utf-8")


def _pick(draw: st.DrawFn, items: list) -> Any:
    """One of `items`, drawn by index: Hypothesis would print a sampled_from of large values in full."""
    return items[draw(st.integers(0, len(items) - 1))]


_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@st.composite
def path_for(draw: st.DrawFn, world: World, rule: Rule) -> str:
    """The rule's path, each argument a value the crawl saw (mostly) or junk for its converter."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        converter = rule._converters[name]
        known = world.known_values(rule, name)
        if isinstance(converter, IntegerConverter):
            junk = st.one_of(
                st.sampled_from(["0", "2147483648", "²", "٣", "-1", str(2**70)]),
                st.integers(0, 10**6).map(str),
            )
        else:
            junk = junk_text.filter(lambda text: len(text) < 2_000)
        chosen = _pick(draw, known) if known and draw(st.integers(0, 3)) else draw(junk)
        return quote(
            chosen.encode("utf-8", "surrogatepass"), safe="/" if isinstance(converter, PathConverter) else ""
        )

    return _ARGUMENT.sub(value, rule.rule)


@st.composite
def fields_for(draw: st.DrawFn, world: World, endpoint: str, method: str) -> list[tuple[str, Any]]:
    """A form's fields as the page has them, each kept, dropped, made junk or repeated, plus junk keys."""
    forms = world.forms.get((endpoint, method)) or [{}]
    base = _pick(draw, forms)
    pairs: list[tuple[str, Any]] = []
    for name, values in base.items():
        action = draw(st.sampled_from(["keep", "keep", "drop", "junk", "junk", "many"]))
        if action == "keep":
            pairs += [(name, value) for value in values]
        elif action == "junk":
            pairs.append((name, draw(junk_text)))
        elif action == "many":
            pairs += [(name, draw(junk_text)) for _ in range(draw(st.integers(2, 3)))]
    keys = st.sampled_from(sorted({*EXTRA_KEYS, *world.field_names()})) | st.text(max_size=8)
    pairs += draw(st.lists(st.tuples(keys, junk_text), max_size=3))
    return pairs


@st.composite
def junk_request(draw: st.DrawFn, world: World, rule: Rule, method: str) -> JunkRequest:
    request = JunkRequest(method=method, path=draw(path_for(world, rule)))
    pairs = draw(fields_for(world, rule.endpoint, method))
    if method in ("GET", "HEAD"):
        request.query, request.kind = urlencode([(k, str(v)) for k, v in pairs]), "query"
        return request
    if draw(st.integers(0, 4)) == 0:
        request.query = urlencode([(k, str(v)) for k, v in draw(fields_for(world, rule.endpoint, "GET"))])
    kind = draw(st.sampled_from(["form", "form", "form", "json", "json", "multipart", "deep", "raw", "none"]))
    request.kind = kind
    if kind == "form":
        request.body = urlencode([(k, str(v)) for k, v in pairs]).encode()
        request.content_type = "application/x-www-form-urlencoded"
    elif kind == "json":
        document: Any = {key: draw(junk_json) for key, _ in pairs}
        document = _pick(draw, [document, [document], list(document), draw(junk_json)])
        request.body = json.dumps(document).encode()  # lone surrogates travel as \ud800 escapes
        request.content_type = draw(st.sampled_from(["application/json", "text/plain"]))
    elif kind == "multipart":
        # Encoded here, in memory: the test client would spool a large body to a file it never closes.
        data = MultiDict([(_printable(k), _printable(str(v))) for k, v in pairs])
        for name in world.file_fields(rule.endpoint):
            content = draw(
                st.sampled_from([b"", b"%PDF-1.4 junk", b"\x89PNG\r\n\x1a\n junk", b"\x00" * 2048])
            )
            filename = _printable(draw(junk_text.filter(lambda text: len(text) < 200))) or "x"
            data.add(name, FileStorage(io.BytesIO(content), filename=filename))
        boundary, request.body = encode_multipart(data, boundary=BOUNDARY)  # its own would use `random`
        request.content_type = f"multipart/form-data; boundary={boundary}"
    elif kind == "deep":
        request.body = draw(st.sampled_from([DEEP_LISTS, DEEP_OBJECTS])).encode()
        request.content_type = draw(
            st.sampled_from(["application/json", "application/x-www-form-urlencoded"])
        )
    elif kind == "raw":
        request.body = draw(st.sampled_from(RAW_BODIES))
        request.content_type = draw(st.sampled_from(CONTENT_TYPES))
    return request
