"""One seed for a whole run (lib.seeds): SEECAT_SEED reaches every random choice made by default, and it matters."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lib
from lib import attacks, seeds, transforms
from lib.parameterisations import FourierImage

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted([*ROOT.glob("lessons/*.ipynb"), *ROOT.glob("solutions/*.ipynb")])


@pytest.mark.parametrize("text, expected", [(None, 0), ("", 0), ("0", 0), ("3", 3), (" 12 ", 12), ("2147483647", 2**31 - 1)])
def test_the_run_seed_comes_from_seecat_seed(monkeypatch, text, expected):
    if text is None:
        monkeypatch.delenv("SEECAT_SEED", raising=False)
    else:
        monkeypatch.setenv("SEECAT_SEED", text)
    assert seeds.run_seed() == expected
    assert seeds.seed_or_default(None) == expected
    assert seeds.seed_or_default(5) == 5  # a seed passed in wins


@pytest.mark.parametrize("text", ["x", "-1", "1.5", "2147483648", "1e3"])
def test_a_bad_seecat_seed_is_named_with_a_fix(monkeypatch, text):
    monkeypatch.setenv("SEECAT_SEED", text)
    with pytest.raises(ValueError, match=r"SEECAT_SEED must be a whole number from 0 to 2147483647, got .*SEECAT_SEED=3"):
        seeds.run_seed()


@pytest.mark.parametrize("seed", [-1, 1.5, True, "1", 2**31])
def test_a_bad_seed_argument_is_named(seed):
    with pytest.raises(ValueError, match="seed must be a whole number"):
        seeds.seed_or_default(seed)


@pytest.mark.parametrize("text, expected", [("", False), ("0", False), ("1", True), ("true", True), ("off", False)])
def test_seecat_deterministic(monkeypatch, text, expected):
    monkeypatch.setenv("SEECAT_DETERMINISTIC", text)
    assert seeds.deterministic() is expected
    monkeypatch.setenv("SEECAT_DETERMINISTIC", "maybe")
    with pytest.raises(ValueError, match="SEECAT_DETERMINISTIC must be 1"):
        seeds.deterministic()


def test_the_setup_line_names_the_seed(monkeypatch, capsys):
    monkeypatch.setenv("SEECAT_SEED", "4")
    lib.environment.prepare()
    assert "Random seed 4 (SEECAT_SEED" in capsys.readouterr().out


# Each default random choice, as a function of the run's seed alone.
DRAWS = {
    "noise_image": lambda model: lib.noise_image(8),
    "fourier start": lambda model: FourierImage(8).image().numpy(),
    "optimise_image's start": lambda model: lib.optimise_image(model, "tench", num_steps=0).start_image,
    "optimise_image's transforms": lambda model: lib.optimise_image(
        model, "tench", lib.noise_image(8, seed=0), num_steps=3, stop_at=None, transforms=transforms.jitter(2)).image,
    "pgd's random start": lambda model: lib.pgd(model, lib.noise_image(8, seed=0), ["tench"], 4, steps=1),
    "a camera shot": lambda model: attacks.transformed(lib.noise_image(32, seed=0), transforms.camera()),
    "smoothgrad's noise": lambda model: lib.explain(model, lib.noise_image(8, seed=0), "tench", "smoothgrad", samples=4),
    "the random deletion order": lambda model: lib.deletion_curve(model, lib.noise_image(8, seed=0), "tench").probabilities,
}


@pytest.mark.parametrize("draw", DRAWS, ids=str)
def test_changing_the_seed_changes_the_run(monkeypatch, tiny_model, draw):
    """A seed knob that did nothing would fail here: seed 1 differs from seed 0, and seed 0 repeats itself."""
    def under(seed: int) -> np.ndarray:
        monkeypatch.setenv("SEECAT_SEED", str(seed))
        return np.asarray(DRAWS[draw](tiny_model))

    first, other, again = under(0), under(1), under(0)
    assert not np.allclose(first, other), f"{draw}: SEECAT_SEED=1 gave the same as SEECAT_SEED=0"
    np.testing.assert_allclose(first, again, atol=1e-6, err_msg=f"{draw}: SEECAT_SEED=0 twice gave different results")


def test_randomised_top_draws_from_the_run_seed(monkeypatch, tiny_model):
    weights = []
    for seed in ("0", "1"):
        monkeypatch.setenv("SEECAT_SEED", seed)
        with lib.randomised_top(tiny_model, count=1):
            weights.append(tiny_model.layers[-1].get_weights()[0].copy())
    assert not np.allclose(*weights)


def _seecat(*args: str, seed: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SEECAT_SEED": seed, "SEECAT_MODEL": "efficientnet_lite0"}
    return subprocess.run([sys.executable, "-m", "lib", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_command_line_takes_the_run_seed(tmp_path):
    images = []
    for seed in ("0", "1"):
        out = tmp_path / f"seed{seed}.png"
        done = _seecat("ideal", "tench", "--steps", "1", "--no-early-stop", "--json", "--out", str(out), seed=seed)
        assert done.returncode == 0, done.stderr
        images.append(lib.load_image(out))
    assert not np.array_equal(*images)
    bad = _seecat("ideal", "tench", "--out", str(tmp_path / "x.png"), seed="one")
    assert bad.returncode == 2 and "SEECAT_SEED must be a whole number" in bad.stderr


def test_seecat_deterministic_turns_on_op_determinism_and_the_lessons_steps_still_run():
    script = ("import lib, numpy as np\n"
              "from lib import quiet\n"
              "from tensorflow.python.framework import config\n"
              "assert config.is_op_determinism_enabled()\n"
              "model = lib.load_model()\n"
              "lib.ideal_image(model, 'zebra', 'fourier', num_steps=2)\n"
              "lib.attack(model, lib.noise_image(224)[None], ['zebra'], 'eot', 2, steps=2, draws=2)\n"
              "print('ran')\n")
    env = {**os.environ, "SEECAT_DETERMINISTIC": "1", "SEECAT_MODEL": "efficientnet_lite0"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "ran" in done.stdout, done.stderr[-2000:]


LITERAL_SEED = re.compile(r"\bseed\s*=\s*\d|from_seed\(\s*\d|default_rng\(\s*\d|set_random_seed\(\s*\d"
                          r"|for\s+seed\s+in\s+range\(")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_no_lesson_fixes_a_seed_of_its_own(path):
    """A literal seed in a lesson would keep SEECAT_SEED from changing that part of the run."""
    cells = json.loads(path.read_text())["cells"]
    code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    found = [match for source in code for match in LITERAL_SEED.findall(source)]
    assert not found, f"{path.name} fixes its own seed ({found}): use the run's seed (leave seed=None, or lib.seeds.run_seed() + k)"
