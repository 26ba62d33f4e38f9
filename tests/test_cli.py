"""The seecat command line, on the embedded model."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import lib
from lib.cli import main

MODEL = ["--model", "efficientnet_lite0", "--json"]


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_classify_a_cat(capsys):
    report = _json(capsys, ["classify", str(lib.data_path("cat.png")), "--top", "3", *MODEL])
    assert len(report["top"]) == 3 and 281 <= report["top"][0]["id"] <= 285
    assert set(report["top"][0]) == {"id", "name", "probability"}


def test_ideal_stops_early_and_saves(capsys, tmp_path):
    out = tmp_path / "cat.png"
    report = _json(capsys, ["ideal", "Siamese cat", "--steps", "100", "--out", str(out), *MODEL])
    assert report["probability"] >= 0.9 and report["steps"] < 100 and out.is_file()
    assert report["out"] == str(out) and report["target"] == {"id": 284, "name": "Siamese cat"}


def test_ideal_without_early_stop_runs_every_step(capsys, tmp_path):
    report = _json(capsys, ["ideal", "zebra", "--steps", "12", "--tv", "0.001", "--no-early-stop",
                            "--out", str(tmp_path / "z.png"), *MODEL])
    assert report["steps"] == 12


def test_ideal_fourier_recipe_with_a_judge(capsys, tmp_path):
    report = _json(capsys, ["ideal", "zebra", "--recipe", "fourier", "--steps", "5", "--judge", "squeezenet1_1",
                            "--out", str(tmp_path / "z.png"), *MODEL])
    assert report["recipe"] == "fourier" and report["steps"] == 5
    judge = report["judge"]
    assert judge["model"] == "squeezenet1_1" and 1 <= judge["rank"] <= 1000 and len(judge["top"]) == 5
    assert judge["agrees"] == (judge["rank"] <= 5)


def test_attack_within_budget(capsys, tmp_path):
    report = _json(capsys, ["attack", str(lib.data_path("dog.png")), "--target", "Siamese cat", "--eps", "4",
                            "--out", str(tmp_path / "dog.png"), *MODEL])
    assert report["success"] and report["linf_255"] <= 4.0 + 1e-3 and report["l2_255"] > 0
    assert report["top"][0]["id"] == 284


def test_models_lists_offline_availability(capsys):
    report = _json(capsys, ["models", "--json"])
    available = {row["name"]: row["available_offline"] for row in report["models"]}
    assert available["efficientnet_lite0"] and available["squeezenet1_1"] and "vgg16" in available


@pytest.mark.parametrize("argv, words", [
    (["classify", "no-such.jpg"], "No image file"),
    (["classify", "data/cat.png", "--top", "0"], "whole number >= 1"),
    (["classify", "data/cat.png", "--model", "resnet"], "Unknown model 'resnet'"),
    (["ideal", "kitty", "--out", "x.png"], "tabby"),
    (["ideal", "zebra", "--out", "x.txt"], ".png"),
    (["ideal", "zebra"], "--out"),
    (["ideal", "zebra", "--tv", "-1", "--out", "x.png"], "number >= 0"),
    (["attack", "data/dog.png", "--target", "zebra", "--eps", "300", "--out", "x.png"], "0-255"),
    (["attack", "data/dog.png", "--out", "x.png"], "--target"),
    (["attack", "data/dog.png", "--target", "zebra", "--out", "data/dog.png"], "shipped originals"),
    (["dream"], "invalid choice"),
    (["ideal", "zebra", "--recipe", "deepdream", "--out", "x.png"], "invalid choice"),
    (["ideal", "zebra", "--judge", "resnet", "--out", "x.png"], "Unknown model 'resnet'"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, words):
    assert main(argv) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and error.startswith("seecat: error:") and words in error


def test_the_module_and_console_script_run():
    console_script = str(Path(sys.executable).parent / "seecat")  # installed by `pip install -e .`
    for command in ([sys.executable, "-m", "lib"], [console_script]):
        done = subprocess.run([*command, "models", "--json"], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["models"][0]["name"] == "vgg16"
