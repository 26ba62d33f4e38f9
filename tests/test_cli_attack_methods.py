"""`seecat attack --method adam|fgsm|pgd|mifgsm|eot` and `--untargeted`, on the embedded model (small budgets, few steps)."""

import json
import sys

import pytest
from PIL import Image

import lib
from lib.cli import ATTACK_METHODS, COMMAND_STEPS, build_parser, main
from test_cli import _fresh  # tests/ is on sys.path (pytest's default "prepend" import mode)

MODEL = ["--model", "efficientnet_lite0", "--json"]
DOG = str(lib.data_path("dog.png"))
EPS = 4.0
KEYS = {"model", "method", "untargeted", "target", "success", "fooled", "probability", "original", "result", "steps",
        "linf_255", "l2_255", "top", "interrupted", "seconds", "out"}
EOT_KEYS = KEYS | {"draws", "survival"}
CLASS_KEYS = {"id", "name", "probability"}


def _attack(capsys, tmp_path, *options):
    out = tmp_path / "attacked.png"
    assert main(["attack", DOG, "--eps", str(EPS), "--out", str(out), *options, *MODEL]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == (EOT_KEYS if "eot" in options else KEYS) and report["out"] == str(out)
    assert set(report["original"]) == CLASS_KEYS and set(report["result"]) == CLASS_KEYS
    assert report["result"] == report["top"][0]
    assert 0 < report["linf_255"] <= EPS + 1e-3 and report["l2_255"] > 0
    with Image.open(out) as image:
        assert image.format == "PNG"
        image.verify()
    return report


@pytest.mark.parametrize("method, steps", [("fgsm", 1), ("pgd", 3), ("mifgsm", 3)])
def test_untargeted_fgsm_and_pgd_fool_the_model(capsys, tmp_path, method, steps):
    report = _attack(capsys, tmp_path, "--untargeted", "--method", method, "--steps", "3")
    assert report["method"] == method and report["untargeted"] and report["target"] is None
    assert report["steps"] == steps  # fgsm ignores --steps
    assert report["fooled"] and report["success"] and report["result"]["id"] != report["original"]["id"]
    assert report["probability"] < report["original"]["probability"]  # p(the original class) went down


def test_untargeted_eot_reports_where_it_survives(capsys, tmp_path):
    report = _attack(capsys, tmp_path, "--untargeted", "--method", "eot", "--steps", "3", "--draws", "2")
    assert report["method"] == "eot" and report["steps"] == 3 and report["draws"] == 2
    survival = report["survival"]
    assert set(survival) == {"as_saved", "after_jpeg_75", "fresh_shots"}
    assert survival["fresh_shots"]["of"] == 20 and 0 <= survival["fresh_shots"]["fooled"] <= 20
    shots_enough = survival["fresh_shots"]["fooled"] >= 0.8 * 20
    assert report["success"] == (survival["as_saved"] and survival["after_jpeg_75"] and shots_enough)


def test_a_targeted_eot_that_does_not_survive_says_what_to_try(capsys, tmp_path):
    out = tmp_path / "weak.png"
    assert main(["attack", DOG, "--target", "Siamese cat", "--method", "eot", "--eps", "1", "--steps", "1",
                 "--draws", "2", "--out", str(out), *MODEL]) == 0  # the exit status of any attack that fails
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert not report["success"] and out.exists()  # the image is saved all the same
    assert "does not survive" in captured.err and "--draws (now 2)" in captured.err and "--eps (now 1)" in captured.err


def test_untargeted_adam_pushes_the_top_class_down(capsys, tmp_path):
    report = _attack(capsys, tmp_path, "--untargeted", "--steps", "3")
    assert report["method"] == "adam" and report["steps"] == 3  # stop_at=None: every step is run
    assert report["probability"] < report["original"]["probability"]
    assert report["success"] == report["fooled"]  # fooled: outside the dog's class and its near neighbours
    assert not report["fooled"] or report["result"]["id"] != report["original"]["id"]


@pytest.mark.parametrize("method", ["pgd", "mifgsm", "eot"])
def test_targeted_library_methods(capsys, tmp_path, method):
    draws = ["--draws", "2"] if method == "eot" else []
    report = _attack(capsys, tmp_path, "--target", "Siamese cat", "--method", method, "--steps", "3", *draws)
    assert not report["untargeted"] and report["target"] == {"id": 284, "name": "Siamese cat"}
    assert report["fooled"] == (report["result"]["id"] == 284)
    assert report["success"] == report["fooled"] if method != "eot" else not report["success"] or report["fooled"]


def test_targeted_adam_is_still_the_default(capsys, tmp_path):
    report = _attack(capsys, tmp_path, "--target", "Siamese cat", "--steps", "3")
    assert report["method"] == "adam" and not report["untargeted"] and report["steps"] <= 3
    assert report["original"]["id"] != 284 and report["fooled"] == (report["result"]["id"] == 284)


@pytest.mark.parametrize("method", ATTACK_METHODS)
def test_every_method_is_accepted_and_steps_default_to_the_methods(method):
    args = build_parser().parse_args(["attack", "x.png", "--untargeted", "--method", method, "--out", "x.png"])
    assert args.method == method and args.steps is None  # run_attack then takes ATTACK_STEPS[method]


def test_the_method_defaults_to_adam_and_the_steps_to_each_methods_own():
    assert build_parser().parse_args(["attack", "x.png", "--target", "zebra", "--out", "x.png"]).method == "adam"
    assert COMMAND_STEPS == {"adam": 200, "fgsm": 1, "pgd": 10, "mifgsm": 10, "eot": 100}
    from lib import attacks

    assert {method: COMMAND_STEPS[method] for method in attacks.METHODS if method != "adam"} == {
        method: attacks.STEPS[method] for method in attacks.METHODS if method != "adam"}  # lib.attack's own


def test_a_library_method_says_one_line_on_a_terminal_unless_quiet(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    argv = ["attack", DOG, "--untargeted", "--method", "fgsm", "--out", str(tmp_path / "d.png"), *MODEL]
    assert main(argv) == 0
    assert "fgsm within 4/255: 1 step done in " in capsys.readouterr().err
    assert main([*argv, "--quiet"]) == 0
    assert "fgsm:" not in capsys.readouterr().err


@pytest.mark.parametrize("argv, words", [
    (["attack", DOG, "--untargeted", "--method", "pgb", "--out", "x.png"], "did you mean 'pgd'?"),
    (["attack", DOG, "--untargeted", "--method", "cw", "--out", "x.png"], "choose one of: adam, fgsm, pgd, mifgsm, eot"),
    (["attack", DOG, "--untargeted", "--method", "pgd", "--draws", "4", "--out", "x.png"], "--draws belongs to --method eot"),
    (["attack", DOG, "--untargeted", "--method", "eot", "--draws", "65", "--out", "x.png"], "from 1 to 64"),
    (["attack", DOG, "--untargeted", "--target", "zebra", "--out", "x.png"], "not both"),
    (["attack", DOG, "--out", "x.png"], "--untargeted"),
    (["attack", DOG, "--untargeted", "--method", "pgd", "--steps", "10001", "--out", "x.png"], "at most 10000"),
    (["attack", DOG, "--untargeted", "--eps", "300", "--out", "x.png"], "0-255"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, words):
    assert main(argv) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and error.startswith("seecat: error:") and words in error


@pytest.mark.parametrize("argv", [
    ["attack", "data/dog.png", "--untargeted", "--method", "pgb", "--out", "x.png"],
    ["attack", "data/dog.png", "--untargeted", "--target", "zebra", "--out", "x.png"],
    ["attack", "data/dog.png", "--method", "pgd", "--out", "x.png"],
    ["attack", "data/dog.png", "--untargeted", "--method", "eot", "--out", "data/dog_eot.png"],
])
def test_bad_input_is_refused_before_tensorflow_loads(argv):
    done = _fresh(argv, "print('tensorflow' in sys.modules)")
    assert done.returncode == 2 and done.stdout.strip() == "False", (done.stdout, done.stderr)
    assert done.stderr.startswith("seecat: error:") and done.stderr.count("\n") == 1


@pytest.mark.parametrize("method", ["adam", "pgd"])
def test_ctrl_c_during_an_attack_keeps_the_image_and_says_interrupted(ctrl_c_at, capsys, tmp_path, method):
    calls = ctrl_c_at(2)
    report = _attack(capsys, tmp_path, "--untargeted", "--method", method, "--steps", "5")
    assert report["interrupted"] is True and report["steps"] == 1 and len(calls) == 2  # one step, then Ctrl-C: saved
    assert _attack(capsys, tmp_path, "--untargeted", "--method", "fgsm")["interrupted"] is False  # the next is afresh


def test_eot_says_where_it_survives_in_words(capsys):
    from lib.cli import _print_human

    _print_human("attack", {"method": "eot", "success": False, "survival": {
        "as_saved": True, "after_jpeg_75": True, "fresh_shots": {"fooled": 13, "of": 20, "needed": 0.8}}})
    printed = capsys.readouterr().out
    assert "method: eot\nsuccess: False\n" in printed and "survival:" not in printed
    assert "survives: as saved yes, after JPEG 75 yes, on 13 of 20 fresh camera shots (80% needed)" in printed
