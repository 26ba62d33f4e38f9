"""Figures and widgets: the right panels, colours and numbers, and clear errors for bad input."""

import io
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

import lib  # noqa: E402
from lib.classes import class_id_of  # noqa: E402
from lib.images import to_uint8  # noqa: E402
from lib.optimise import Progress, Result  # noqa: E402
from lib.faithfulness import DeletionCurve  # noqa: E402
from lib.plotting import (  # noqa: E402
    BAR_COLOUR, TARGET_COLOUR, change_size_255, scale_map, show_change, show_deletion_curves, show_explanation,
    show_history, show_images, show_success_curves, show_top_k, show_transfer,
)
from lib.widgets import LiveView, class_picker  # noqa: E402

SIAMESE, TABBY, TIGER_CAT, EGYPTIAN = map(class_id_of, ("Siamese cat", "tabby", "tiger cat", "Egyptian cat"))
GREY = np.full((16, 16, 3), 0.5, np.float32)


def texts(figure: Figure) -> str:
    """Every piece of text in a figure (titles, captions, labels), one per line."""
    return "\n".join(text.get_text() for text in figure.findobj(Text))


def probabilities_with(chosen: dict[int, float]) -> np.ndarray:
    """A softmax-like [1000] vector: the chosen classes, the rest shared evenly and smaller."""
    rest = (1 - sum(chosen.values())) / (1000 - len(chosen))
    probabilities = np.linspace(rest * 1.5, rest * 0.5, 1000)  # distinct, falling with the id
    probabilities[list(chosen)] = list(chosen.values())
    return probabilities / probabilities.sum()


def bar_axes(figure: Figure):
    return figure.axes[1]


def test_show_top_k_draws_the_image_and_k_bars_most_probable_first():
    probabilities = probabilities_with({TABBY: 0.6, TIGER_CAT: 0.2, EGYPTIAN: 0.1})
    figure = show_top_k(GREY, probabilities, k=3, title="a grey square")
    assert isinstance(figure, Figure) and len(figure.axes) == 2
    assert [label.get_text() for label in bar_axes(figure).get_yticklabels()] == ["tabby", "tiger cat", "Egyptian cat"]
    assert [round(bar.get_width(), 3) for bar in bar_axes(figure).patches] == [0.6, 0.2, 0.1]
    assert bar_axes(figure).get_xlim() == (0, 1)
    assert "0.600" in texts(figure) and "a grey square" in texts(figure) and "top 3" in texts(figure)
    np.testing.assert_array_equal(figure.axes[0].images[0].get_array(), GREY)  # shown as it is
    assert figure.axes[0].images[0].get_clim() == (0.0, 1.0)


def test_show_top_k_highlights_the_target_among_the_top_k():
    figure = show_top_k(GREY, probabilities_with({TABBY: 0.6, TIGER_CAT: 0.2}), k=2, target="tiger cat")
    colours = [bar.get_facecolor() for bar in bar_axes(figure).patches]
    assert colours == [to_rgba(BAR_COLOUR), to_rgba(TARGET_COLOUR)]
    assert len(bar_axes(figure).lines) == 0  # no separator: the target is already shown


def test_show_top_k_adds_the_targets_rank_below_a_separator():
    probabilities = probabilities_with({TABBY: 0.6})
    rank = int(np.sum(probabilities > probabilities[SIAMESE])) + 1
    figure = show_top_k(GREY, probabilities, k=5, target=SIAMESE)
    bars = bar_axes(figure).patches
    assert len(bars) == 6 and bars[-1].get_facecolor() == to_rgba(TARGET_COLOUR)
    assert bar_axes(figure).get_yticklabels()[-1].get_text() == f"#{rank} Siamese cat"
    assert len(bar_axes(figure).lines) == 1  # the separator
    assert math.isclose(bars[-1].get_width(), probabilities[SIAMESE])


@pytest.mark.parametrize(
    "image, probabilities, k, expected_error",
    [
        (np.zeros((224, 224)), np.full(1000, 1e-3), 5, r"\(height, width, 3\).*\(224, 224\)"),
        (GREY, np.full(10, 0.1), 5, r"\(1000,\).*\(10,\)"),
        (GREY, np.linspace(-5, 5, 1000), 5, "softmax"),
        (GREY, np.full(1000, 1e-3), 0, "k must be"),
        (GREY * 255, np.full(1000, 1e-3), 5, r"\[0, 1\]"),
    ],
)
def test_show_top_k_rejects_bad_input(image, probabilities, k, expected_error):
    with pytest.raises(ValueError, match=expected_error):
        show_top_k(image, probabilities, k=k)


def test_show_images_draws_one_titled_panel_per_image():
    images = [GREY, np.zeros_like(GREY), np.ones_like(GREY)]
    figure = show_images(images, ["grey", "black", "white"], columns=2)
    assert len(figure.axes) == 3  # the grid's fourth cell is removed
    assert [axes.get_title() for axes in figure.axes] == ["grey", "black", "white"]
    assert len(show_images(np.stack(images)).axes) == 3 and len(show_images(GREY).axes) == 1


@pytest.mark.parametrize(
    "images, titles, columns, expected_error",
    [
        ([GREY, GREY], ["only one"], None, "2 images, but 1 titles"),
        ([GREY, np.zeros((16, 16))], None, None, r"images\[1\].*\(16, 16\)"),
        ([], None, None, "empty"),
        ([GREY], None, 0, "columns"),
    ],
)
def test_show_images_rejects_bad_input(images, titles, columns, expected_error):
    with pytest.raises(ValueError, match=expected_error):
        show_images(images, titles, columns)


def one_pixel_change(levels: float = 3) -> tuple[np.ndarray, np.ndarray]:
    before = np.zeros((8, 8, 3), np.float32)
    after = before.copy()
    after[2, 5, 1] = levels / 255
    return before, after


def test_change_size_255_matches_a_hand_computation_and_result():
    before, after = one_pixel_change(3)
    after[0, 0, 0] = 4 / 255
    linf, l2 = change_size_255(before, after)
    assert linf == pytest.approx(4.0) and l2 == pytest.approx(5.0)  # sqrt(3^2 + 4^2)
    result = Result(image=after, start_image=before, probabilities=np.full(1000, 1e-3, np.float32), target=None)
    assert (linf, l2) == pytest.approx((result.linf_255, result.l2_255), rel=1e-5)


def test_show_change_prints_the_size_and_the_magnification():
    before, after = one_pixel_change(3)
    figure = show_change(before, after, title="one pixel")
    assert len(figure.axes) == 3
    assert "L-inf 3.0/255, L2 3.0/255" in texts(figure) and "one pixel" in texts(figure)
    assert figure.axes[2].get_title() == "difference \u00d7 42"  # floor(0.5 * 255 / 3)
    difference = figure.axes[2].images[0].get_array()
    assert difference[0, 0, 0] == 0.5 and difference[2, 5, 1] == pytest.approx(0.5 + 42 * 3 / 255)
    assert figure.axes[1].images[0].get_clim() == (0.0, 1.0)
    assert show_change(before, after, magnify=10).axes[2].get_title() == "difference \u00d7 10"


@pytest.mark.parametrize(
    "before, after, magnify, expected_error",
    [
        (GREY, np.zeros((8, 8, 3), np.float32), None, r"same shape.*\(16, 16, 3\).*\(8, 8, 3\)"),
        (GREY, GREY, -1, "magnify"),
        (GREY, GREY[..., 0], None, r"after.*\(16, 16\)"),
    ],
)
def test_show_change_rejects_bad_input(before, after, magnify, expected_error):
    with pytest.raises(ValueError, match=expected_error):
        show_change(before, after, magnify)


def make_result(final_probability: float, reached: bool, num_steps: int = 10) -> Result:
    probabilities = probabilities_with({SIAMESE: final_probability})
    curve = list(np.linspace(0.001, final_probability, num_steps + 1))
    return Result(GREY, GREY, probabilities, SIAMESE, losses=[-math.log(p) for p in curve],
                  target_probabilities=curve, num_steps=num_steps, reached=reached)


def dashed_lines(axes) -> list:
    return [line for line in axes.lines if line.get_linestyle() == "--"]


def test_show_history_plots_loss_and_probability_with_the_stop_line():
    figure = show_history(make_result(0.95, reached=True))
    loss_axes, probability_axes = figure.axes
    assert len(loss_axes.lines[0].get_ydata()) == 11 and probability_axes.get_ylim() == (0, 1)
    assert probability_axes.get_title() == "p(Siamese cat)"
    assert [list(line.get_ydata()) for line in dashed_lines(probability_axes)] == [[0.9, 0.9]]
    assert "Siamese cat: p = 0.950 after 10 steps (reached)" in texts(figure)


def test_show_history_compares_runs_with_a_legend_and_no_stop_line_if_none_reached():
    figure = show_history([make_result(0.5, False), make_result(0.7, False, 20)], labels=["adam", "sign"])
    loss_axes, probability_axes = figure.axes
    assert len(loss_axes.lines) == 2 and not dashed_lines(probability_axes)
    assert [text.get_text() for text in probability_axes.get_legend().get_texts()] == ["adam", "sign"]
    styles = [(line.get_linestyle(), line.get_marker()) for line in probability_axes.lines]
    assert len(set(styles)) == 2, f"runs must differ in more than colour: {styles}"


@pytest.mark.parametrize(
    "results, labels, expected_error",
    [
        (3, None, "Result of lib.optimise_image.*int"),
        ([], None, "empty"),
        ([make_result(0.5, False)], ["a", "b"], "1 results, but 2"),
    ],
)
def test_show_history_rejects_bad_input(results, labels, expected_error):
    with pytest.raises(ValueError, match=expected_error):
        show_history(results, labels)


PHOTO = np.random.default_rng(1).random((16, 20, 3)).astype(np.float32)
RAMP = np.arange(16 * 20, dtype=np.float32).reshape(16, 20)


def test_show_explanation_draws_the_photo_then_one_panel_per_map_and_a_colour_bar():
    maps = [RAMP, np.ones((16, 20), np.float32), np.zeros((16, 20), np.float32)]
    figure = show_explanation(PHOTO, maps, titles=["ramp", "flat", "nothing"])
    assert isinstance(figure, Figure) and len(figure.axes) == len(maps) + 2  # the photo, the maps, the colour bar
    *panels, bar = figure.axes
    assert [axes.get_title() for axes in panels] == ["photo", "ramp", "flat", "nothing"]
    np.testing.assert_array_equal(panels[0].images[0].get_array(), PHOTO)
    for panel, importance in zip(panels[1:], maps):
        dimmed, overlay = panel.images  # the photo in grey, the map over it
        np.testing.assert_allclose(dimmed.get_array(), PHOTO.mean(axis=-1, keepdims=True).repeat(3, axis=-1) * 0.7,
                                   rtol=1e-6)
        np.testing.assert_allclose(overlay.get_array(), scale_map(importance))
        assert overlay.get_clim() == (0.0, 1.0)
    ramp = panels[1].images[1].get_array()
    assert ramp.min() == 0 and ramp.max() == 1 and np.sum(ramp == 1) == 4  # 1 = the 99th percentile: the top 1% clipped
    np.testing.assert_array_equal(panels[3].images[1].get_array(), 0)  # an all-zero map stays 0, no division by 0
    assert "99th percentile" in bar.get_ylabel() and not bar.images


@pytest.mark.parametrize("count, rows, columns", [(1, 1, 2), (3, 1, 4), (4, 2, 3), (5, 2, 3), (7, 2, 4)])
def test_show_explanation_puts_more_than_four_panels_on_rows_large_enough_to_read(count, rows, columns):
    figure = show_explanation(PHOTO, [RAMP] * count)
    *panels, bar = figure.axes
    assert len(panels) == count + 1 and not bar.images  # the unused places of the last row are removed
    tops = sorted({round(panel.get_position().y0, 3) for panel in panels})
    lefts = sorted({round(panel.get_position().x0, 3) for panel in panels})
    assert (len(tops), len(lefts)) == (rows, columns)
    width, height = figure.get_size_inches()
    assert width <= 9.0 and width / columns >= 2.0 and height >= 2.5 * rows  # panels of 2 inches or more


def test_show_explanation_takes_one_map_without_a_list():
    figure = show_explanation(PHOTO, RAMP)
    assert len(figure.axes) == 3 and [axes.get_title() for axes in figure.axes[:2]] == ["photo", ""]


@pytest.mark.parametrize(
    "maps, titles, expected_error",
    [
        ([RAMP.T, RAMP.T], None, r"maps\[0\] is \(20, 16\), but the image is \(16, 20\)"),
        (RAMP[:8], None, r"maps\[0\] is \(8, 20\)"),
        ([RAMP, RAMP.T], None, r"maps\[1\] is \(20, 16\)"),
        ([RAMP - 1], None, "finite values >= 0"),
        ([np.full((16, 20), np.nan)], None, "finite values >= 0"),
        (np.ones((16, 20, 3)), None, r"maps\[0\] is \(20, 3\)"),  # a colour image is not a map
        ([RAMP, RAMP], ["only one"], "one title per map: 2 maps, but 1 titles"),
        ([], None, "empty"),
    ],
)
def test_show_explanation_rejects_bad_maps(maps, titles, expected_error):
    with pytest.raises(ValueError, match=expected_error):
        show_explanation(PHOTO, maps, titles)


def deletion(probabilities: list[float], target: int = SIAMESE) -> DeletionCurve:
    return DeletionCurve(np.linspace(0, 1, len(probabilities)), np.array(probabilities), target)


def test_show_deletion_curves_draws_one_line_per_curve_each_with_its_own_style_and_random_order_grey():
    curves = {"gradcam": deletion([0.9, 0.3, 0.1, 0.05, 0.02]), "occlusion": deletion([0.9, 0.5, 0.2, 0.1, 0.02]),
              "smoothgrad": deletion([0.9, 0.6, 0.3, 0.1, 0.02]), "random": deletion([0.9, 0.85, 0.7, 0.4, 0.02])}
    figure = show_deletion_curves(curves, title="the cat")
    assert isinstance(figure, Figure) and len(figure.axes) == 1
    axes = figure.axes[0]
    assert len(axes.lines) == 4
    for line, curve in zip(axes.lines, curves.values()):
        np.testing.assert_array_equal(line.get_xdata(), curve.fractions)
        np.testing.assert_array_equal(line.get_ydata(), curve.probabilities)
    maps, random_order = axes.lines[:3], axes.lines[3]
    assert len({(line.get_linestyle(), line.get_marker()) for line in maps}) == 3  # apart without colour
    assert all(line.get_marker() not in ("None", None, "") for line in maps)
    assert random_order.get_linestyle() == "--" and random_order.get_color() == "grey"
    assert random_order.get_marker() in ("None", None, "")
    assert [text.get_text() for text in axes.get_legend().get_texts()] == [
        f"{label} (area {curve.area:.3f})" for label, curve in curves.items()]
    assert axes.get_ylabel() == "p(Siamese cat)" and axes.get_title() == "the cat" and axes.get_xlim() == (0, 1)


def test_show_deletion_curves_draws_several_random_orders_as_their_mean_and_range():
    orders = [deletion([0.9, 0.8, 0.2]), deletion([0.9, 0.6, 0.1]), deletion([0.9, 0.7, 0.0])]
    figure = show_deletion_curves({"gradcam": deletion([0.9, 0.1, 0.0]), "random order": orders})
    axes = figure.axes[0]
    mean = axes.lines[1]
    np.testing.assert_allclose(mean.get_ydata(), [0.9, 0.7, 0.1])
    (band,) = axes.collections  # the range of the orders, shaded
    low, high = band.get_paths()[0].vertices[:, 1].min(), band.get_paths()[0].vertices[:, 1].max()
    assert (low, high) == pytest.approx((0.0, 0.9))
    mean_area = np.mean([curve.area for curve in orders])
    assert axes.get_legend().get_texts()[1].get_text() == f"random order: mean of 3, range shaded (area {mean_area:.3f})"


def test_show_deletion_curves_of_two_photos_side_by_side_share_one_legend_below():
    scene = {"gradcam": deletion([0.9, 0.1]), "random order": [deletion([0.9, 0.5]), deletion([0.9, 0.4])]}
    alone = {"gradcam": deletion([0.8, 0.6], TABBY), "random order": [deletion([0.8, 0.2], TABBY)] * 2}
    figure = show_deletion_curves({"the scene": scene, "the cat alone": alone}, title="removing pixels")
    panels = [axes for axes in figure.axes if axes.lines]
    assert [axes.get_title() for axes in panels] == ["the scene", "the cat alone"]
    assert [axes.get_ylabel() for axes in panels] == ["p(Siamese cat)", "p(tabby)"]
    assert all(axes.get_legend() is None for axes in panels)
    (legend,) = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == ["gradcam", "random order: mean of 2, range shaded"]
    assert figure.get_suptitle() == "removing pixels"
    assert panels[0].lines[0].get_marker() == panels[1].lines[0].get_marker()  # the same map, the same style
    assert all(axes.get_ylim() == pytest.approx((0, 0.945)) for axes in panels)  # the highest point of both, and a margin


def test_show_deletion_curves_keeps_a_curve_that_rises_above_its_start_in_view():
    figure = show_deletion_curves({"gradcam": deletion([0.4, 0.7, 0.1]), "random": [deletion([0.4, 0.2, 0.1])] * 2})
    assert figure.axes[0].get_ylim()[1] >= 0.7


def test_show_deletion_curves_of_different_targets_says_p_target():
    figure = show_deletion_curves({"cat": deletion([0.9, 0.1]), "dog": deletion([0.8, 0.2], TABBY)})
    assert len(figure.axes[0].lines) == 2 and figure.axes[0].get_ylabel() == "p(target)"


@pytest.mark.parametrize("curves, expected_error", [
    ({}, "dict"), ([deletion([0.9, 0.1])], "dict"), (None, "dict"),
    ({"scene": {}, "alone": {}}, "dict"),
    ({"gradcam": [0.9, 0.1]}, "what lib.deletion_curve returns"),
    ({"random": []}, "what lib.deletion_curve returns"),
    ({"random": [deletion([0.9, 0.1]), deletion([0.9, 0.5, 0.1])]}, "the same shares of pixels"),
])
def test_show_deletion_curves_rejects_anything_but_a_dict_of_curves(curves, expected_error):
    with pytest.raises(ValueError, match=expected_error):
        show_deletion_curves(curves)


def test_class_picker_offers_every_class_and_starts_on_the_default():
    picker = class_picker()
    assert picker.value == "Siamese cat" and len(picker.combobox.options) == 1000
    assert "Siamese cat (class 284)" in picker.status.value
    assert class_picker("TABBY").value == "tabby" and class_picker(284).value == "Siamese cat"
    with pytest.raises(ValueError, match="Did you mean"):
        class_picker("kitty")


def test_class_picker_takes_any_case_and_shows_a_typo_with_the_closest_names():
    picker = class_picker("goldfish")
    picker.combobox.value = "Zebra"  # what a student types
    assert picker.value == "zebra" and "zebra (class 340)" in picker.status.value
    picker.combobox.value = "zebr"
    assert "not an ImageNet class" in picker.status.value and "zebra" in picker.status.value
    with pytest.raises(ValueError, match="'zebr', which is not an ImageNet class; the closest are 'zebra'"):
        picker.value  # noqa: B018 -- never the old class in silence
    picker.value = 340
    assert picker.combobox.value == "zebra"


def test_widgets_display_through_ipython_display_as_ipywidgets_7_and_8_both_allow(monkeypatch):
    shown = []
    monkeypatch.setattr("lib.widgets.display", shown.append)
    view, picker = LiveView(num_steps=10), class_picker()
    view._ipython_display_()
    picker._ipython_display_()
    assert shown == [view.widget, picker.widget]
    assert not hasattr(view, "_repr_mimebundle_")  # ipywidgets 7's VBox has none to forward to


def progress(step: int, image: np.ndarray = GREY, probability: float | None = 0.734,
             stop_reason: str | None = None) -> Progress:
    return Progress(step=step, num_steps=200, loss=0.31, probability=probability, image=image,
                    stop_reason=stop_reason, stop_at=0.9)


def test_live_view_updates_its_label_bar_and_image():
    view = LiveView(num_steps=200, target="Siamese cat", scale=3)
    image = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    view(progress(12, image))
    assert view.label.value == "step 12/200 \u00b7 p(Siamese cat) = 0.734 \u00b7 loss 0.31"
    assert (view.progress.value, view.progress.max) == (12, 200)
    decoded = np.asarray(Image.open(io.BytesIO(view.image.value)))
    np.testing.assert_array_equal(decoded, to_uint8(image))  # PNG bytes of the very image
    assert view.image.width == "48"


def test_live_view_shows_a_placeholder_before_the_first_step():
    view = LiveView(num_steps=200)
    placeholder = np.asarray(Image.open(io.BytesIO(view.image.value)))
    assert placeholder.shape == (224, 224, 3) and view.label.value == "waiting for the first step..."
    assert 150 < placeholder.mean() < 220 and placeholder.min() < 150  # grey, with dark writing on it


@pytest.mark.parametrize("step, reason, expected", [
    (7, "reached", "reached p(Siamese cat) = 0.93 >= 0.9 at step 7, stopped early"),
    (200, "finished", "ran all 200 steps \u00b7 p(Siamese cat) = 0.934 \u00b7 loss 0.31"),
    (63, "interrupted", "interrupted after 63 of 200 steps, best image kept \u00b7 p(Siamese cat) = 0.934 \u00b7 loss 0.31"),
])
def test_live_view_fills_the_bar_and_says_why_the_run_ended(step, reason, expected):
    view = LiveView(num_steps=200, target="Siamese cat", every=50)
    view(progress(step, probability=0.934, stop_reason=reason))
    assert view.label.value == expected
    assert view.progress.value == view.progress.max == 200
    assert view.progress.bar_style == ("warning" if reason == "interrupted" else "success")


def test_live_view_hears_the_end_of_a_real_run(tiny_model):
    view = LiveView(target=3)
    lib.optimise_image(tiny_model, lib.cross_entropy(3), num_steps=40, learning_rate=0.05, callback=view,
                       callback_every=10)
    assert view.label.value.startswith(("reached p(", "ran all 40 steps")), view.label.value
    assert view.progress.value == view.progress.max


def test_live_view_redraws_the_image_every_few_steps_and_reads_num_steps_from_progress():
    view = LiveView(every=5)
    placeholder = bytes(view.image.value)
    view(progress(12, probability=None))
    assert bytes(view.image.value) == placeholder and view.label.value == "step 12/200 \u00b7 loss 0.31"
    assert view.progress.max == 200
    view(progress(15))
    assert bytes(view.image.value) != placeholder and bytes(view.image.value).startswith(b"\x89PNG")


@pytest.mark.parametrize("arguments, expected_error", [({"every": 0}, "every"), ({"num_steps": -1}, "num_steps"),
                                                       ({"scale": 0}, "scale"), ({"target": "kitty"}, "Did you mean")])
def test_live_view_rejects_bad_settings(arguments, expected_error):
    with pytest.raises(ValueError, match=expected_error):
        LiveView(**arguments)


def test_success_curves_draw_one_line_per_attack_and_a_panel_per_group():
    budgets = [0.5, 1, 2, 4]
    one = show_success_curves({"FGSM": [0.1, 0.2, 0.3, 0.4], "PGD": [0.2, 0.4, 0.8, 1.0]}, budgets, title="Lite0")
    assert len(one.axes) == 1 and [line.get_label() for line in one.axes[0].lines] == ["FGSM", "PGD"]
    np.testing.assert_allclose(one.axes[0].lines[1].get_ydata(), [20, 40, 80, 100])
    two = show_success_curves({"untargeted": {"FGSM": [0, 0, 0, 1], "PGD": [0, 1, 1, 1]},
                               "targeted": {"FGSM": [0, 0, 0, 0], "PGD": [0, 0, 1, 1]}}, budgets)
    assert [axes.get_title() for axes in two.axes] == ["untargeted", "targeted"]
    assert show_success_curves({"made on Lite0": {"PGD": [0, 0, 1, 1]}}, budgets).axes[0].get_title() == "made on Lite0"
    assert two.axes[0].lines[1].get_color() == two.axes[1].lines[1].get_color()  # PGD has one colour everywhere
    fgsm, pgd = two.axes[1].lines  # and one line style and marker: told apart without colour
    assert (fgsm.get_linestyle(), fgsm.get_marker()) != (pgd.get_linestyle(), pgd.get_marker())
    assert (pgd.get_linestyle(), pgd.get_marker()) == (two.axes[0].lines[1].get_linestyle(), two.axes[0].lines[1].get_marker())


@pytest.mark.parametrize("curves, budgets, message", [
    ({}, [1], "at least one entry"),
    ({"PGD": [0.5, 1.5]}, [1, 2], "each a share from 0 to 1"),
    ({"PGD": [0.5]}, [1, 2], "must hold 2 success rates"),
    ({"PGD": [0.5]}, [0], "positive budgets"),
])
def test_success_curves_name_bad_input(curves, budgets, message):
    with pytest.raises(ValueError, match=message):
        show_success_curves(curves, budgets)


def test_transfer_matrix_writes_each_rate_in_its_cell():
    figure = show_transfer({"Lite0": {"Lite0": 1.0, "Lite1": 0.25}, "Lite0 + Lite1": {"Lite0": 1.0, "Lite1": 0.5}}, "PGD")
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == ["100%", "25%", "100%", "50%"]
    assert [label.get_text() for label in figure.axes[0].get_yticklabels()] == ["Lite0", "Lite0 + Lite1"]
    with pytest.raises(ValueError, match="the same columns"):
        show_transfer({"a": {"x": 0.1}, "b": {"y": 0.2}})
    with pytest.raises(ValueError, match="each a share from 0 to 1"):
        show_transfer({"a": {"x": 2.0}})


def test_transfer_matrix_writes_counts_frames_the_white_box_cells_and_draws_a_panel_per_budget():
    rates = {"Lite0": {"Lite0": (13, 13), "Lite1": (7, 12), "SqueezeNet": (0, 0)},
             "Lite0 + Lite1": {"Lite0": (12, 13), "Lite1": (12, 12), "SqueezeNet": (4, 10)}}
    figure = show_transfer(rates, "PGD")
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == ["13 of 13\n100%", "7 of 12\n58%", "no photo", "12 of 13\n92%", "12 of 12\n100%", "4 of 10\n40%"]
    assert len(figure.axes[0].patches) == 1  # one white-box cell: Lite0 tried on Lite0
    panels = show_transfer({"8/255": rates, "16/255": rates}, "PGD")
    assert [axes.get_title() for axes in panels.axes] == ["8/255", "16/255"] and panels.get_suptitle() == "PGD"
    for bad in [(8, 7), (1.5, 3), (1, 2, 3)]:
        with pytest.raises(ValueError, match=r"must be \(fooled, tried\)"):
            show_transfer({"a": {"x": bad}})
    with pytest.raises(ValueError, match="the same columns"):
        show_transfer({"8/255": rates, "16/255": {"Lite0": {"Lite0": (1, 1)}}})


def test_plotting_is_a_package_of_modules_each_short_enough_to_read_in_one_sitting():
    from pathlib import Path

    import lib.plotting

    modules = sorted(Path(lib.plotting.__file__).parent.glob("*.py"))
    assert len(modules) >= 5
    assert all(len(module.read_text().splitlines()) <= 400 for module in modules), modules
    figures = [name for name in lib.plotting.__all__ if name.startswith("show_")]
    assert "show_judged_row" in figures and "show_spectra" in figures
    for name in figures:  # every figure, as lib.plotting.X and as lib.X
        assert getattr(lib, name) is getattr(lib.plotting, name)


def test_show_spectra_draws_one_falling_line_per_image_each_in_its_own_style():
    waves = np.cos(2 * np.pi * np.arange(32) / 32)  # one slow wave, across
    slow = np.repeat(np.repeat((0.5 + 0.3 * waves)[None, :, None], 32, axis=0), 3, axis=2).astype(np.float32)
    figure = lib.show_spectra({"pixel noise": lib.noise_image(32, seed=0), "slow wave": np.clip(
        slow + lib.noise_image(32, seed=1, spread=0.01) - 0.5, 0, 1)})
    axes = figure.axes[0]
    assert [line.get_label() for line in axes.lines] == ["pixel noise", "slow wave"]
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ["pixel noise", "slow wave"]
    assert axes.get_xscale() == axes.get_yscale() == "log"
    for line in axes.lines:  # 1 .. 15 cycles per image, relative to the slowest wave
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 16))
        assert line.get_ydata()[0] == 1
    assert axes.lines[1].get_ydata()[1:].max() < 0.2 < axes.lines[0].get_ydata()[1:].min()  # the wave dominates
    styles = {(line.get_linestyle(), line.get_marker()) for line in axes.lines}
    assert len(styles) == 2, f"the lines must differ in more than colour: {styles}"
    with pytest.raises(ValueError, match="at least one image"):
        lib.show_spectra({})
    with pytest.raises(ValueError, match="square image"):
        lib.show_spectra({"wide": np.zeros((8, 12, 3), np.float32)})


class FakeJury:
    """A lib.Jury's caption without models: the target and the image's mean brightness."""

    def caption(self, result, target, brief=False):
        return f"{target}: {result.image.mean():.1f}" + (" (brief)" if brief else "")


def test_show_judged_row_writes_each_images_verdicts_under_it():
    results = [make_result(0.5, False), make_result(0.9, True)]
    results[1].image = np.full((16, 16, 3), 0.2, np.float32)
    figure = lib.show_judged_row(results, ["first", "second"], "tabby", FakeJury())
    assert [axes.get_title() for axes in figure.axes] == ["first", "second"]
    assert [axes.get_xlabel() for axes in figure.axes] == ["tabby: 0.5", "tabby: 0.2"]
    gallery = lib.show_judged_row(results, ["a", "b"], ["tabby", "zebra"], FakeJury(), brief=True)
    assert [axes.get_xlabel() for axes in gallery.axes] == ["tabby: 0.5 (brief)", "zebra: 0.2 (brief)"]
    assert len(gallery.axes) == 2 and all(len(axes.images) == 1 for axes in gallery.axes)


@pytest.mark.parametrize("results, target, jury, message", [
    ([make_result(0.5, False)], ["tabby", "zebra"], FakeJury(), "1 images, but 2 targets"),
    ([GREY], "tabby", FakeJury(), "results must be what lib.ideal_image"),
    ([make_result(0.5, False)], "tabby", "judges", "jury must be a lib.Jury"),
])
def test_show_judged_row_rejects_bad_input(results, target, jury, message):
    with pytest.raises(ValueError, match=message):
        lib.show_judged_row(results, ["a"] * len(results), target, jury)
