"""Code 128 barcodes for packing slips: the symbols from python-barcode, drawn here as SVG rectangles
(presentation attributes only, no style or script, so the page's strict CSP allows it inline) and as
bar positions for the PDF."""

from barcode.codex import Code128
from markupsafe import Markup, escape

# Blank modules each side of the bars, as scanners need (Code 128 asks for at least 10).
QUIET_ZONE_MODULES = 10


def code128_modules(text: str) -> str:
    """`text` in Code 128, one character per module ("1" bar, "0" space), from the start symbol through
    the checksum and the stop pattern. Printable ASCII only; ValueError otherwise."""
    if not text or not text.isascii() or not text.isprintable() or len(text) > 40:
        raise ValueError(f"a Code 128 barcode takes 1 to 40 printable ASCII characters, got {text!r}")
    return Code128(text).build()[0]


def bar_runs(modules: str) -> list[tuple[int, int]]:
    """Each bar as (first module, width in modules)."""
    runs: list[tuple[int, int]] = []
    start = None
    for position, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = position
        elif module != "1" and start is not None:
            runs.append((start, position - start))
            start = None
    return runs


def code128_svg(text: str, *, module_width: int = 2, height: int = 60) -> Markup:
    """An inline SVG of `text`'s Code 128 barcode, with quiet zones, labelled for screen readers."""
    modules = code128_modules(text)
    width = (len(modules) + 2 * QUIET_ZONE_MODULES) * module_width
    bars = "".join(
        f'<rect x="{(QUIET_ZONE_MODULES + start) * module_width}" y="0" '
        f'width="{run * module_width}" height="{height}"/>'
        for start, run in bar_runs(modules)
    )
    return Markup(
        f'<svg class="barcode" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Barcode of {escape(text)}">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/><g fill="#000">{bars}</g></svg>'
    )
