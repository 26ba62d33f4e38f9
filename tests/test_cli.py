"""The seecat command line, on the embedded model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lib
from lib.cli import main

MODEL = ["--model", "efficientnet_lite0", "--json"]
ROOT = Path(__file__).resolve().parent.parent


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
    (["paint"], "invalid choice"),  # no such command (`dream` is one now)
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
        report = json.loads(done.stdout)
        assert report["default"] == "efficientnet_lite0" and report["models"][-1]["name"] == "vgg16"


def _fresh(argv: list[str], code: str = "pass", **env) -> subprocess.CompletedProcess:
    """Run the command line in a fresh Python process, then `code` (which may print)."""
    script = f"import sys; from lib.cli import main; status = main({argv!r}); {code}; sys.exit(status)"
    environment = {**os.environ, **env}
    environment.pop("SEECAT_MODEL", None)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env=environment)


def test_stderr_has_no_tensorflow_log_lines_and_stdout_is_one_json_object():
    done = _fresh(["classify", "data/cat.png", "--json"])
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # no absl / oneDNN start-up lines, in a fresh process
    assert json.loads(done.stdout)["model"] == "efficientnet_lite0"


def test_json_stdout_stays_one_object_whatever_loading_prints(monkeypatch, capsys):
    import lib.models

    def chatty_builder():
        print("Downloading data from somewhere (pretend)")  # what Keras prints while fetching weights
        os.write(1, b"and a C library writing straight to file descriptor 1\n")
        return lib.models.BUILDERS["efficientnet_lite0"]()

    monkeypatch.setitem(lib.models.BUILDERS, "squeezenet1_1", chatty_builder)
    assert main(["classify", "data/cat.png", "--model", "squeezenet1_1", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["model"] == "efficientnet_lite0"  # stdout: the JSON object and nothing else
    assert "Downloading data" in captured.err


@pytest.mark.parametrize("argv", [
    ["ideal", "zebra", "--out", "data/cat.png/zebra.png"],
    ["ideal", "Zebar", "--out", "x.png"],
    ["classify", "no-such.jpg"],
    ["classify", "data/cat.png", "--model", "resnet"],
    ["attack", "data/dog.png", "--target", "zebra", "--eps", "300", "--out", "x.png"],
])
def test_bad_input_is_refused_before_tensorflow_loads(argv):
    done = _fresh(argv, "print('tensorflow' in sys.modules)")
    assert done.returncode == 2 and done.stdout.strip() == "False", (done.stdout, done.stderr)
    assert done.stderr.startswith("seecat: error:") and done.stderr.count("\n") == 1


def test_an_unwritable_out_is_refused_before_any_work(capsys, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert main(["ideal", "zebra", "--out", str(blocker / "zebra.png"), *MODEL]) == 2
    assert "can't create the folder" in capsys.readouterr().err
    (tmp_path / "folder.png").mkdir()
    assert main(["ideal", "zebra", "--out", str(tmp_path / "folder.png"), *MODEL]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_out_creates_its_folder(capsys, tmp_path):
    out = tmp_path / "new" / "folder" / "zebra.png"
    report = _json(capsys, ["ideal", "zebra", "--steps", "2", "--out", str(out), *MODEL])
    assert out.is_file() and report["out"] == str(out)


def test_a_save_that_fails_after_the_work_keeps_the_image_in_a_fallback_file(monkeypatch, capsys, tmp_path):
    import lib.images

    real_save = lib.images.save_image

    def save_image(image, path):
        if str(path).startswith(str(tmp_path)):
            raise PermissionError(13, "Permission denied")  # e.g. the disk turned read-only during the run
        return real_save(image, path)

    monkeypatch.setattr(lib, "save_image", save_image, raising=False)
    assert main(["ideal", "zebra", "--steps", "2", "--out", str(tmp_path / "z.png"), *MODEL]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["saved_to_fallback"] and Path(report["out"]).is_file()
    assert "the image is safe in " + report["out"] in captured.err
    Path(report["out"]).unlink()


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert main(["ideal", "zebra", "--steps", "3", "--no-early-stop", "--out", str(tmp_path / "z.png"), *MODEL]) == 0
    err = capsys.readouterr().err
    assert "step 3/3" in err and "#" * 30 in err and "done" in err
    assert main(["ideal", "zebra", "--steps", "3", "--quiet", "--out", str(tmp_path / "z.png"), *MODEL]) == 0
    assert "step" not in capsys.readouterr().err
