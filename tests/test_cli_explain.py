"""`seecat explain`: where the model looks, on the embedded model (Grad-CAM and the plain gradient: fast)."""

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

import lib
from lib.cli import build_parser, main
from lib.names import ATTRIBUTION_METHODS
from test_cli import _fresh  # tests/ is on sys.path (pytest's default "prepend" import mode)

MODEL = ["--model", "efficientnet_lite0", "--json"]
CAT = str(lib.data_path("cat.png"))
KEYS = {"model", "image", "method", "target", "probability", "quarter_shares", "seconds", "out"}
QUARTERS = {"top left", "top right", "bottom left", "bottom right"}


def _json(capsys, argv, status=0):
    assert main(argv) == status
    return json.loads(capsys.readouterr().out)


def _assert_png(path) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 200 and image.height > 100
        image.verify()


def test_json_report_and_the_overlay_png(capsys, tmp_path):
    out = tmp_path / "overlays" / "cat.png"
    report = _json(capsys, ["explain", CAT, "--target", "Siamese cat", "--method", "gradcam", "--out", str(out), *MODEL])
    assert set(report) == KEYS
    assert report["model"] == "efficientnet_lite0" and report["image"] == CAT and report["method"] == "gradcam"
    assert report["target"] == {"id": 284, "name": "Siamese cat"} and 0 < report["probability"] < 1
    assert set(report["quarter_shares"]) == QUARTERS and all(s >= 0 for s in report["quarter_shares"].values())
    assert sum(report["quarter_shares"].values()) == pytest.approx(1.0, abs=1e-5)
    assert report["out"] == str(out) and report["seconds"] >= 0
    _assert_png(out)


def test_explain_leaves_the_environment_alone(capsys, tmp_path, monkeypatch):
    """An in-process run must not set MPLBACKEND: every process started later (a notebook kernel) would inherit it."""
    monkeypatch.delenv("MPLBACKEND", raising=False)
    _json(capsys, ["explain", CAT, "--method", "gradient", "--out", str(tmp_path / "map.png"), *MODEL])
    import os

    assert "MPLBACKEND" not in os.environ


def test_default_target_is_the_top_class(capsys):
    top = _json(capsys, ["classify", CAT, "--top", "1", *MODEL])["top"][0]
    report = _json(capsys, ["explain", CAT, "--method", "gradient", *MODEL])
    assert report["target"] == {"id": top["id"], "name": top["name"]}
    assert report["probability"] == pytest.approx(top["probability"], abs=1e-5)
    assert report["out"] is None and sum(report["quarter_shares"].values()) == pytest.approx(1.0, abs=1e-5)


def test_without_json_a_short_summary(capsys):
    assert main(["explain", CAT, "--target", "tabby", "--model", "efficientnet_lite0"]) == 0
    out = capsys.readouterr().out
    assert "p('tabby', id 281) = 0." in out and "gradcam" in out and "overlay: not saved (add --out" in out
    assert all(quarter in out for quarter in QUARTERS) and "%" in out


def test_a_map_with_nothing_in_it_says_so(monkeypatch, capsys):
    # Grad-CAM keeps only positive evidence; some classes have none in a photo (African hunting dog in the cat)
    import lib.attribution

    monkeypatch.setattr(lib.attribution, "explain", lambda model, image, *_: np.zeros(image.shape[:2], np.float32))
    assert main(["explain", CAT, "--target", "275", "--model", "efficientnet_lite0"]) == 0
    assert "the map is all zero" in capsys.readouterr().out


def test_a_failed_save_keeps_the_overlay_in_a_fallback_file(monkeypatch, capsys, tmp_path):
    real_savefig = Figure.savefig

    def savefig(figure, path, **kwargs):
        if str(path).startswith(str(tmp_path)):
            raise PermissionError(13, "Permission denied")
        return real_savefig(figure, path, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    argv = ["explain", CAT, "--method", "gradient", "--out", str(tmp_path / "cat.png"), *MODEL]
    assert main(argv) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["saved_to_fallback"] and "the image is safe in " + report["out"] in captured.err
    _assert_png(report["out"])
    Path(report["out"]).unlink()


@pytest.mark.parametrize("method", ATTRIBUTION_METHODS)
def test_every_method_of_the_library_is_accepted(method):
    assert build_parser().parse_args(["explain", "x.png", "--method", method]).method == method


def test_the_method_defaults_to_gradcam():
    assert build_parser().parse_args(["explain", "x.png"]).method == "gradcam"


@pytest.mark.parametrize("argv, words", [
    (["explain", CAT, "--method", "gradcm"], "did you mean 'gradcam'?"),
    (["explain", CAT, "--method", "integrated-gradients"], "did you mean 'integrated_gradients'?"),
    (["explain", CAT, "--method", "lime"], "choose one of: gradient, smoothgrad"),
    (["explain", CAT, "--target", "kitty"], "tabby"),
    (["explain", "no-such.jpg"], "No image file"),
    (["explain", "README.md"], "not an image"),
    (["explain", CAT, "--out", "cat.bmp"], ".png"),
    (["explain", CAT, "--out", "data/cat_explained.png"], "shipped originals"),
    (["explain", CAT, "--model", "resnet"], "Unknown model 'resnet'"),
    (["explain"], "image"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, words):
    assert main(argv) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and error.startswith("seecat: error:") and words in error


@pytest.mark.parametrize("argv", [
    ["explain", "data/cat.png", "--method", "gradcm"],
    ["explain", "data/cat.png", "--target", "Siamese kat"],
    ["explain", "no-such.jpg"],
    ["explain", "data/cat.png", "--out", "data/cat.png/explained.png"],
])
def test_bad_input_is_refused_before_tensorflow_loads(argv):
    done = _fresh(argv, "print('tensorflow' in sys.modules)")
    assert done.returncode == 2 and done.stdout.strip() == "False", (done.stdout, done.stderr)
    assert done.stderr.startswith("seecat: error:") and done.stderr.count("\n") == 1
    if "gradcm" in argv:
        assert "did you mean 'gradcam'?" in done.stderr
