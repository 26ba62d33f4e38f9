"""`seecat ideal --channel`, `seecat dream` and `seecat layers`: inside the network, on the embedded model."""

import json
import sys

import pytest
from PIL import Image

import lib
from lib.cli import main
from test_cli import _fresh, _json  # tests/ is on sys.path (pytest's default "prepend" import mode)

MODEL = ["--model", "efficientnet_lite0", "--json"]
CAT = str(lib.data_path("cat.png"))
BLOCKS = [f"block{n}" for n in range(16)]


def _assert_png(path, size: int = 224) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (size, size)
        image.verify()


def _refused(capsys, argv) -> str:
    """The one-line error of a command that exits with status 2."""
    assert main(argv) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and error.startswith("seecat: error:") and "Traceback" not in error, error
    return error


def test_ideal_of_a_channel_json_and_png(capsys, tmp_path):
    out = tmp_path / "channels" / "block10_7.png"
    report = _json(capsys, ["ideal", "--channel", "block10:7", "--steps", "3", "--out", str(out), *MODEL])
    assert set(report) == {"model", "recipe", "layer", "index", "mean_activation", "steps", "interrupted",
                           "seconds", "out"}
    assert report["model"] == "efficientnet_lite0" and report["recipe"] == "fourier"  # a channel's default recipe
    assert report["layer"] == "block10" and report["index"] == 7 and report["steps"] == 3
    assert isinstance(report["mean_activation"], float) and report["seconds"] >= 0 and not report["interrupted"]
    assert report["out"] == str(out)
    _assert_png(out)


def test_the_progress_bar_of_a_channel_shows_the_loss(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    argv = ["ideal", "--channel", "stem:0", "--recipe", "naive", "--steps", "3", "--out", str(tmp_path / "s.png")]
    assert main([*argv, *MODEL]) == 0
    err = capsys.readouterr().err
    assert "step 3/3 loss = " in err and "#" * 30 in err and "done" in err and "p(" not in err


def test_dream_json_and_png(capsys, tmp_path):
    out = tmp_path / "cat_dream.png"
    report = _json(capsys, ["dream", CAT, "--layer", "block6", "--octaves", "1", "--steps-per-octave", "2",
                            "--out", str(out), *MODEL])
    assert set(report) == {"model", "image", "layer", "octaves", "steps_per_octave", "steps",
                           "mean_squared_activation", "interrupted", "seconds", "out"}
    assert report["image"] == CAT and report["layer"] == "block6" and report["octaves"] == 1
    assert report["steps_per_octave"] == 2 and report["steps"] == 2 and report["out"] == str(out)
    energy = report["mean_squared_activation"]
    assert set(energy) == {"before", "after"} and energy["after"] > energy["before"] > 0  # more of what it sees
    _assert_png(out)


def test_dream_counts_the_steps_of_every_octave_with_one_progress_bar(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert main(["dream", CAT, "--layer", "stem", "--octaves", "2", "--steps-per-octave", "1",
                 "--out", str(tmp_path / "d.png"), *MODEL]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["steps"] == 2
    assert "step 2/2 loss = " in captured.err and captured.err.count("done") == 1


def test_layers_lists_stem_to_head(capsys):
    report = _json(capsys, ["layers", *MODEL])
    assert report["model"] == "efficientnet_lite0"
    assert [row["name"] for row in report["layers"]] == ["stem", *BLOCKS, "head"]
    by_name = {row["name"]: row for row in report["layers"]}
    assert set(by_name["stem"]) == {"name", "keras_name", "height", "width", "channels"}
    assert by_name["block10"]["keras_name"] == "_blocks.10_add"
    assert (by_name["head"]["height"], by_name["head"]["width"], by_name["head"]["channels"]) == (7, 7, 1280)


def test_layers_without_json_one_line_each(capsys):
    assert main(["layers", "--model", "efficientnet_lite0"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 + 18 and lines[1].split()[:2] == ["stem", "_bn0_relu6"]
    assert lines[-1].split() == ["head", "_bn1_relu6", "7", "x", "7", "x", "1280"]


@pytest.mark.parametrize("argv, words", [
    (["ideal", "--channel", "blok10:7"], "Did you mean 'block10'"),
    (["dream", CAT, "--layer", "fire5"], "Its layers run from 'stem' to 'head': `seecat layers"),
    (["ideal", "--channel", "block10:112"], "has 112 channels, numbered 0 to 111; got channel 112"),
])
def test_a_layer_or_channel_the_model_lacks_is_refused(capsys, tmp_path, argv, words):
    out = tmp_path / "x.png"
    assert words in _refused(capsys, [*argv, "--out", str(out), *MODEL]) and not out.exists()


@pytest.mark.parametrize("argv, words", [
    (["ideal", "--channel", "block10", "--out", "x.png"], "e.g. block10:7"),
    (["ideal", "--channel", "block10:-1", "--out", "x.png"], "LAYER:INDEX"),
    (["ideal", "--channel", ":7", "--out", "x.png"], "LAYER:INDEX"),
    (["ideal", "--channel", "block10:seven", "--out", "x.png"], "e.g. block10:7"),
    (["ideal", "--out", "x.png"], "needs a CLASS"),
    (["ideal", "zebra", "--channel", "block10:7", "--out", "x.png"], "not both"),
    (["ideal", "--channel", "block10:7", "--judge", "squeezenet1_1", "--out", "x.png"], "--judge"),
    (["ideal", "--channel", "block10:7", "--out", "x.txt"], ".png"),
    (["dream", CAT, "--out", "x.png"], "--layer"),
    (["dream", CAT, "--layer", "block6", "--octaves", "9", "--out", "x.png"], "from 1 to 8"),
    (["dream", CAT, "--layer", "block6", "--steps-per-octave", "0", "--out", "x.png"], "whole number >= 1"),
    (["dream", "no-such.jpg", "--layer", "block6", "--out", "x.png"], "No image file"),
    (["dream", CAT, "--layer", "block6", "--out", "data/cat_dream.png"], "shipped originals"),
    (["layers", "--model", "resnet"], "Unknown model 'resnet'"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, words):
    assert words in _refused(capsys, argv)


@pytest.mark.parametrize("argv", [
    ["ideal", "--channel", "block10", "--out", "x.png"],
    ["ideal", "--channel", "block10:x", "--out", "x.png"],
    ["ideal", "zebra", "--channel", "block10:7", "--out", "x.png"],
    ["dream", "data/cat.png", "--layer", "block6", "--octaves", "9", "--out", "x.png"],
    ["layers", "--model", "resnet"],
])
def test_bad_input_is_refused_before_tensorflow_loads(argv):
    done = _fresh(argv, "print('tensorflow' in sys.modules)")
    assert done.returncode == 2 and done.stdout.strip() == "False", (done.stdout, done.stderr)
    assert done.stderr.startswith("seecat: error:") and done.stderr.count("\n") == 1
    if argv[2] == "block10":
        assert "e.g. block10:7" in done.stderr
