"""The SVG geometry (shop/charts.py): nice ticks, scales, bar and polyline coordinates, stacked bars."""

import pytest

from shop import charts
from shop.charts import PLOT_BOTTOM, PLOT_HEIGHT, PLOT_LEFT, PLOT_TOP, PLOT_WIDTH


@pytest.mark.parametrize(
    ("max_value", "minimum_step", "step"),
    [
        (0, 1, 1),
        (1, 1, 1),
        (4, 1, 1),
        (5, 1, 2),
        (7, 1, 2),
        (8, 1, 2),
        (9, 1, 5),
        (95, 1, 50),
        (1234, 1, 500),
        (0, 100, 100),
        (250, 100, 100),
        (4_001, 100, 2_000),
        (99_999, 100, 50_000),
    ],
)
def test_steps_are_one_two_or_five_times_a_power_of_ten(max_value: int, minimum_step: int, step: int) -> None:
    assert charts.nice_step(max_value, minimum_step=minimum_step) == step


def test_ticks_start_at_zero_and_reach_the_highest_value() -> None:
    assert charts.value_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.value_ticks(8) == [0, 2, 4, 6, 8]
    assert charts.value_ticks(0) == [0, 1]  # an empty range still has an axis
    assert charts.value_ticks(3_995, minimum_step=100) == [0, 1_000, 2_000, 3_000, 4_000]


def test_negative_values_are_refused() -> None:
    with pytest.raises(ValueError, match="never negative"):
        charts.nice_step(-1)


def test_the_value_scale_runs_from_the_bottom_of_the_plot_to_its_top() -> None:
    assert charts.y_position(0, 8) == PLOT_BOTTOM
    assert charts.y_position(8, 8) == PLOT_TOP
    assert charts.y_position(2, 8) == round(PLOT_BOTTOM - PLOT_HEIGHT / 4, 1)


def test_x_labels_keep_the_first_and_last_and_at_most_five() -> None:
    assert charts.label_indexes(3) == [0, 1, 2]
    assert charts.label_indexes(30) == [0, 7, 14, 22, 29]
    assert charts.label_indexes(90)[0] == 0 and charts.label_indexes(90)[-1] == 89
    assert len(charts.label_indexes(731)) == 5


def test_bars_fill_equal_slots_and_a_zero_keeps_its_slot() -> None:
    chart = charts.bar_chart([[4, 0, 8]], ["a", "b", "c"], str)

    slot = PLOT_WIDTH / 3
    assert [bar.value for bar in chart.bars] == [4, 0, 8]
    assert [bar.height for bar in chart.bars] == [round(PLOT_HEIGHT / 2, 1), 0, PLOT_HEIGHT]
    assert [bar.x for bar in chart.bars] == [round(PLOT_LEFT + i * slot + slot * 0.1, 1) for i in range(3)]
    assert {bar.width for bar in chart.bars} == {round(slot * 0.8, 1)}
    assert [bar.label for bar in chart.bars] == ["a: 4", "b: 0", "c: 8"]
    assert [(t.value, t.label) for t in chart.y_ticks] == [(0, "0"), (2, "2"), (4, "4"), (6, "6"), (8, "8")]
    assert [t.label for t in chart.x_ticks] == ["a", "b", "c"]


def test_series_stand_side_by_side_within_a_slot() -> None:
    chart = charts.bar_chart([[1, 2], [3, 4]], ["w1", "w2"], str)

    first, second = chart.bars[0], chart.bars[1]  # week 1: series 0, then series 1
    assert (first.series, second.series) == (0, 1)
    assert second.x == round(first.x + first.width, 1)


def test_the_comparison_line_passes_through_the_middle_of_each_slot() -> None:
    chart = charts.bar_chart([[0, 0]], ["a", "b"], str, comparison=[2, 0])

    slot = PLOT_WIDTH / 2
    top = chart.y_ticks[-1].value
    assert chart.comparison == (
        f"{round(PLOT_LEFT + slot / 2, 1)},{charts.y_position(2, top)} "
        f"{round(PLOT_LEFT + slot * 1.5, 1)},{float(PLOT_BOTTOM)}"
    )
    # the axis grows to hold the previous period's highest value too
    assert top >= 2


def test_mismatched_series_are_refused() -> None:
    with pytest.raises(ValueError, match="one value per category"):
        charts.bar_chart([[1, 2]], ["a"], str)
    with pytest.raises(ValueError, match="one value per category"):
        charts.bar_chart([[1]], ["a"], str, comparison=[1, 2])
    with pytest.raises(ValueError, match="at least one category"):
        charts.bar_chart([[]], [], str)


def test_stacked_segments_lie_end_to_end_and_the_canvas_grows_per_row() -> None:
    chart = charts.stacked_chart(
        [("newsletter", [("spring", 300), ("autumn", 100)]), ("direct", [("none", 200)])], str
    )

    newsletter, direct = chart.rows
    spring, autumn = newsletter.segments
    assert autumn.x == round(spring.x + spring.width, 1)
    assert newsletter.total_label == "400"
    assert [bar.value for bar in direct.segments] == [200]
    # 400 is the top tick (0, 100, ..., 400 or a nicer one above): the newsletter bar's end is at its share
    top = chart.x_ticks[-1].value
    assert round(autumn.x + autumn.width, 1) == pytest.approx(
        chart.plot_left + 400 / top * (chart.plot_right - chart.plot_left), abs=0.11
    )
    assert chart.plot_bottom - chart.plot_top == 2 * charts.ROW_HEIGHT
    assert chart.height == chart.plot_bottom + charts.MARGIN_BOTTOM
    assert spring.label == "newsletter, spring: 300"


def test_polyline_of_an_empty_period_lies_on_the_axis() -> None:
    assert charts.polyline([0, 0, 0], 1).count(f",{float(PLOT_BOTTOM)}") == 3
