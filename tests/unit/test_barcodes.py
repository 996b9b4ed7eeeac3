"""Code 128 (shop/barcodes.py): the symbols of known inputs, module by module, and the SVG drawn from them."""

import re

import pytest

from shop.barcodes import QUIET_ZONE_MODULES, bar_runs, code128_modules, code128_svg

# Bar/space widths of the Code 128 symbols these tests use, from the standard's table.
START_B, START_C, STOP = "211214", "211232", "2331112"
SYMBOL_WIDTHS = {
    13: "122132",  # "-" in code set B
    20: "221231",  # "20" in code set C
    26: "321221",  # "26" in code set C
    32: "232121",  # "@" in set B; here the checksum of GS-7K3Q9P
    39: "211313",  # "G"
    51: "213113",  # "S"
    23: "312131",  # "7"
    43: "112331",  # "K"
    19: "221132",  # "3"
    49: "211331",  # "Q"
    25: "321122",  # "9"
    48: "313121",  # "P"
}


def modules_of(*widths: str) -> str:
    """Widths (bar, space, bar, …) to modules: "211214" → "11010010000"."""
    out = []
    for pattern in widths:
        for index, width in enumerate(pattern):
            out.append(("1" if index % 2 == 0 else "0") * int(width))
    return "".join(out)


def test_an_order_number_encodes_in_code_set_b_with_its_checksum() -> None:
    # GS-7K3Q9P: start B, G S - 7 K 3 Q 9 P, checksum (104 + Σ position × value) mod 103 = 32, stop
    values = [39, 51, 13, 23, 43, 19, 49, 25, 48]
    assert (104 + sum(position * value for position, value in enumerate(values, 1))) % 103 == 32

    expected = modules_of(START_B, *(SYMBOL_WIDTHS[value] for value in [*values, 32]), STOP)

    assert code128_modules("GS-7K3Q9P") == expected


def test_digit_pairs_use_code_set_c() -> None:
    modules = code128_modules("2026-000001")

    assert modules.startswith(modules_of(START_C, SYMBOL_WIDTHS[20], SYMBOL_WIDTHS[26]))
    assert modules.endswith(modules_of(STOP))


def test_bar_runs_are_the_bars_in_order() -> None:
    assert bar_runs("1101001") == [(0, 2), (3, 1), (6, 1)]
    assert bar_runs("0000") == []


def test_the_svg_draws_every_bar_after_the_quiet_zone() -> None:
    svg = str(code128_svg("GS-7K3Q9P", module_width=2, height=50))

    bars = [
        (int(x), int(width))
        for x, width in re.findall(r'<rect x="(\d+)" y="0" width="(\d+)" height="50"/>', svg)
    ]
    expected = [
        ((QUIET_ZONE_MODULES + start) * 2, run * 2) for start, run in bar_runs(code128_modules("GS-7K3Q9P"))
    ]
    assert bars == expected
    assert 'aria-label="Barcode of GS-7K3Q9P"' in svg and "style" not in svg and "<script" not in svg


@pytest.mark.parametrize("text", ["", "naïve", "line\nbreak", "x" * 41])
def test_what_code_128_cannot_carry_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        code128_modules(text)
