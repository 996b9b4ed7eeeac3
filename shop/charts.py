"""SVG chart geometry: pure functions from numbers to coordinates (standard library only).

The admin's charts are drawn on the server as SVG (no chart script; the CSP stays strict). This module
decides where things go; the templates under templates/admin/charts/ only print what it returns. Every
chart uses one small canvas (a 360 x 200 viewBox) so that it is readable at the width of a phone and
scales up on a desktop; values are whole numbers (cents, counts), coordinates are rounded to 0.1.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 360
HEIGHT = 200
MARGIN_LEFT = 52  # room for a y-axis label such as "$12,500"
MARGIN_RIGHT = 8
MARGIN_TOP = 10
MARGIN_BOTTOM = 34  # x-axis labels and the axis title
PLOT_LEFT = MARGIN_LEFT
PLOT_RIGHT = WIDTH - MARGIN_RIGHT
PLOT_TOP = MARGIN_TOP
PLOT_BOTTOM = HEIGHT - MARGIN_BOTTOM
PLOT_WIDTH = PLOT_RIGHT - PLOT_LEFT
PLOT_HEIGHT = PLOT_BOTTOM - PLOT_TOP
MAX_X_LABELS = 5  # more would overlap at 360 px
BAR_GAP = 0.2  # share of a slot left empty between bars
# Horizontal (stacked) bars: one band per row, the label above the bar.
ROW_HEIGHT = 34
ROW_BAR_HEIGHT = 16
ROW_LABEL_GAP = 4

Formatter = Callable[[int], str]


@dataclass(frozen=True)
class Tick:
    value: int
    position: float  # y for the value axis, x for the category axis
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # what the bar is, for its <title> ("2026-11-03: $120.00")
    value: int
    series: int = 0  # which colour (CSS class chart__series--N)


@dataclass(frozen=True)
class BarChart:
    """Vertical bars (one series or several side by side), an optional faint comparison line, axes."""

    width: int
    height: int
    bars: list[Bar]
    comparison: str  # SVG polyline points ("x,y x,y …"), empty when there is no comparison
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_RIGHT
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_BOTTOM


@dataclass(frozen=True)
class StackedRow:
    label: str
    label_y: float
    segments: list[Bar]
    total_label: str


@dataclass(frozen=True)
class StackedChart:
    """Horizontal bars, one per row, each split into segments (campaigns within a source, say)."""

    width: int
    height: int
    rows: list[StackedRow]
    x_ticks: list[Tick]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int


def _round(value: float) -> float:
    return round(value, 1)


def nice_step(max_value: int, target_ticks: int = 4, minimum_step: int = 1) -> int:
    """The smallest 1, 2 or 5 x 10^k step (at least `minimum_step`) that covers `max_value` in at most
    `target_ticks` steps: 0 → minimum_step, 7 → 2, 95 → 50, 1234 → 500."""
    if max_value < 0:
        raise ValueError("chart values are never negative")
    magnitude = max(minimum_step, 1)
    while True:
        for multiple in (1, 2, 5):
            step = multiple * magnitude
            if step >= minimum_step and step * target_ticks >= max_value:
                return step
        magnitude *= 10


def value_ticks(max_value: int, *, minimum_step: int = 1, target_ticks: int = 4) -> list[int]:
    """Tick values from 0 up to the first multiple of the step at or above max_value (at least one step)."""
    step = nice_step(max_value, target_ticks, minimum_step)
    top = max(step, -(-max_value // step) * step)
    return list(range(0, top + 1, step))


def y_position(value: int, top_value: int) -> float:
    """Where `value` sits on the vertical axis whose highest tick is `top_value`."""
    if top_value <= 0:
        raise ValueError("the axis needs a positive top value")
    return _round(PLOT_BOTTOM - value / top_value * PLOT_HEIGHT)


def slot_x(index: int, count: int) -> tuple[float, float]:
    """The left edge and width of slot `index` of `count` equal slots across the plot."""
    slot = PLOT_WIDTH / count
    return PLOT_LEFT + index * slot, slot


def label_indexes(count: int, max_labels: int = MAX_X_LABELS) -> list[int]:
    """Which of `count` categories get an x-axis label: the first, the last and evenly spaced ones."""
    if count <= max_labels:
        return list(range(count))
    step = (count - 1) / (max_labels - 1)
    return sorted({round(i * step) for i in range(max_labels)})


def bar_chart(
    values: Sequence[Sequence[int]],
    categories: Sequence[str],
    fmt: Formatter,
    *,
    comparison: Sequence[int] = (),
    bar_labels: Sequence[str] = (),
    minimum_step: int = 1,
) -> BarChart:
    """Bars for each category (values[series][category]; several series stand side by side), and a
    polyline through the `comparison` values at the middle of each slot. Zero draws no bar but keeps
    its slot, so a day without sales is a gap at zero, never a skipped day."""
    count = len(categories)
    if count == 0:
        raise ValueError("a chart needs at least one category")
    if any(len(series) != count for series in values) or (comparison and len(comparison) != count):
        raise ValueError("every series needs one value per category")
    highest = max([v for series in values for v in series] + list(comparison) + [0])
    ticks = value_ticks(highest, minimum_step=minimum_step)
    top = ticks[-1]
    series_count = max(len(values), 1)
    bars: list[Bar] = []
    for index in range(count):
        left, slot = slot_x(index, count)
        inner = slot * (1 - BAR_GAP)
        width = inner / series_count
        for series, series_values in enumerate(values):
            value = series_values[index]
            y = y_position(value, top)
            label = bar_labels[series * count + index] if bar_labels else f"{categories[index]}: {fmt(value)}"
            bars.append(
                Bar(
                    x=_round(left + slot * BAR_GAP / 2 + series * width),
                    y=y,
                    width=_round(max(width, 0.5)),
                    height=_round(PLOT_BOTTOM - y),
                    label=label,
                    value=value,
                    series=series,
                )
            )
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        comparison=polyline(comparison, top) if comparison else "",
        y_ticks=[Tick(value, y_position(value, top), fmt(value)) for value in ticks],
        x_ticks=[
            Tick(i, _round(slot_x(i, count)[0] + slot_x(i, count)[1] / 2), categories[i])
            for i in label_indexes(count)
        ],
    )


def polyline(values: Sequence[int], top_value: int) -> str:
    """SVG points through each value at the middle of its slot: "x1,y1 x2,y2 …"."""
    count = len(values)
    points = []
    for index, value in enumerate(values):
        left, slot = slot_x(index, count)
        points.append(f"{_round(left + slot / 2)},{y_position(value, top_value)}")
    return " ".join(points)


def stacked_chart(
    rows: Sequence[tuple[str, Sequence[tuple[str, int]]]], fmt: Formatter, *, minimum_step: int = 1
) -> StackedChart:
    """One horizontal bar per (label, [(segment label, value), …]); segments laid end to end. The
    canvas grows by one band per row, so long lists stay readable on a phone."""
    if not rows:
        raise ValueError("a chart needs at least one row")
    totals = [sum(value for _, value in segments) for _, segments in rows]
    ticks = value_ticks(max(totals), minimum_step=minimum_step)
    top = ticks[-1]
    plot_left, plot_right = 8, WIDTH - 16
    plot_width = plot_right - plot_left
    plot_top = MARGIN_TOP
    plot_bottom = plot_top + ROW_HEIGHT * len(rows)

    def x_at(value: int) -> float:
        return _round(plot_left + value / top * plot_width)

    chart_rows = []
    for index, ((label, segments), total) in enumerate(zip(rows, totals, strict=True)):
        band_top = plot_top + index * ROW_HEIGHT
        bar_y = band_top + ROW_HEIGHT - ROW_BAR_HEIGHT - ROW_LABEL_GAP
        start = 0
        parts = []
        for series, (segment_label, value) in enumerate(segments):
            parts.append(
                Bar(
                    x=x_at(start),
                    y=bar_y,
                    width=_round(x_at(start + value) - x_at(start)),
                    height=ROW_BAR_HEIGHT,
                    label=f"{label}, {segment_label}: {fmt(value)}",
                    value=value,
                    series=series,
                )
            )
            start += value
        chart_rows.append(
            StackedRow(label=label, label_y=bar_y - ROW_LABEL_GAP, segments=parts, total_label=fmt(total))
        )
    return StackedChart(
        width=WIDTH,
        height=plot_bottom + MARGIN_BOTTOM,
        rows=chart_rows,
        x_ticks=[Tick(value, x_at(value), fmt(value)) for value in ticks],
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
    )
