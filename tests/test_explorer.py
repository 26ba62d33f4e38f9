"""Lesson 07's explorer: a shipped photo or an upload (ipywidgets 7 and 8), a class, a method, and clear messages."""

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import lib  # noqa: E402
from lib.widgets import ALL_METHODS, OWN_FILE, ExplanationExplorer, uploaded_file  # noqa: E402


def _png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(lib.to_uint8(image)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture()
def explorer(lite0):
    return ExplanationExplorer(lite0, {"cat": lib.load_image(lib.data_path("cat.png"), size=None)}, "malamute")


def _shown(monkeypatch, explorer) -> list:
    """Run the Explain button; return the figures it displays."""
    shown = []
    monkeypatch.setattr("lib.widgets.display", shown.append)
    explorer.button.click()
    return shown


def test_explain_shows_one_panel_per_method_for_the_top_class(explorer, monkeypatch, capsys):
    explorer.method.value = "gradcam"
    (figure,) = _shown(monkeypatch, explorer)
    assert len([axes for axes in figure.axes if axes.images]) == 2  # the photo and one map (plus the colour bar)
    assert "where efficientnet_lite0 looks for 'Egyptian cat'" in capsys.readouterr().out  # the photo's top class


def test_explain_uses_the_picker_when_the_top_class_is_unticked(explorer, monkeypatch, capsys):
    explorer.use_top.value, explorer.method.value = False, "gradient"
    _shown(monkeypatch, explorer)
    assert "looks for 'malamute'" in capsys.readouterr().out
    explorer.picker.combobox.value = "malamutte"
    assert _shown(monkeypatch, explorer) == []
    assert "✗ The class picker holds 'malamutte'" in capsys.readouterr().out


def test_all_five_methods_are_offered():
    assert ALL_METHODS == "all five" and len(lib.names.ATTRIBUTION_METHODS) == 5


def test_own_file_without_an_upload_says_what_to_do(explorer, monkeypatch, capsys):
    explorer.photo.value = OWN_FILE
    assert _shown(monkeypatch, explorer) == []
    assert "✗ No file uploaded yet" in capsys.readouterr().out


@pytest.mark.parametrize("version", [7, 8])
def test_an_uploaded_photo_is_explained_with_either_ipywidgets(explorer, version):
    photo = np.zeros((60, 90, 3), np.float32)
    photo[:, 30:60] = 1.0
    content = _png_bytes(photo)
    value = ({"stripe.png": {"metadata": {"name": "stripe.png"}, "content": content}} if version == 7
             else ({"name": "stripe.png", "type": "image/png", "size": len(content), "content": memoryview(content)},))
    assert uploaded_file(value) == ("stripe.png", content)
    explorer.photo.value = OWN_FILE
    explorer.upload = type("Upload", (), {"value": value})()  # what a browser upload leaves in the widget
    label, image = explorer.chosen_image()
    assert label == "stripe.png" and image.shape == (224, 224, 3) and image[:, 112].min() > 0.9


def test_an_unreadable_upload_is_named(explorer, monkeypatch, capsys):
    explorer.photo.value = OWN_FILE
    explorer.upload = type("Upload", (), {"value": {"notes.txt": {"content": b"not a picture"}}})()
    assert _shown(monkeypatch, explorer) == []
    printed = capsys.readouterr().out
    assert "✗ 'notes.txt' is not an image Pillow can read" in printed and "/tmp" not in printed


def test_no_photos_is_refused(lite0):
    with pytest.raises(ValueError, match="at least one"):
        ExplanationExplorer(lite0, {})


# --- lesson 08's channel explorer -----------------------------------------------------------------

def test_channel_explorer_follows_the_layer_and_shows_the_image_and_its_patches(lite0, monkeypatch):
    from lib.widgets import ChannelExplorer

    explorer = ChannelExplorer(lite0, {"cat": lib.load_image(lib.data_path("cat.png"))}, "block10", 33)
    assert (explorer.index.max, explorer.range.value) == (111, "0 to 111")
    explorer.layer.value = "head"
    assert (explorer.index.max, explorer.range.value) == (1279, "0 to 1279")
    explorer.layer.value, explorer.index.value, explorer.steps.value = "block10", 33, 32
    shown = []
    monkeypatch.setattr("lib.widgets.display", shown.append)
    explorer.button.click()
    (figure,) = shown
    titles = [axes.get_title() for axes in figure.axes if axes.images]
    assert titles[0].startswith("block10 #33") and len(titles) == 3  # the image, and the one photo's two best spots
    assert explorer.view.progress.value == 32 and explorer.view.progress.bar_style == "success"
