"""A smoke run of the benchmark, so that it can't silently rot (its figures are not checked)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_tiny_benchmark_prints_its_tables():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--tiny"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    table = done.stdout
    assert "| efficientnet_lite0 |" in table and "(b)/(c)" in table
    for task in ("naive ideal Siamese cat", "dog -> Siamese cat", "TV ideal Siamese cat", "TV ideal zebra"):
        assert table.count(f"| {task} |") == 2, task
    assert '| efficientnet_lite0, recipe "fourier": the same + 0.0003 TV, centred logit |' in table
    assert " of 1 (mean " in table  # the rows measured over three seeds
    assert '| efficientnet_lite0 + efficientnet_lite1, recipe "fourier", both models at once |' in table
    assert "/1 |" in table


def test_an_agreement_cell_shows_each_seed_and_the_mean():
    sys.path.insert(0, str(ROOT / "bench"))
    import run

    assert run.agreement_cell([7], 10) == "7/10"
    assert run.agreement_cell([6, 7, 8], 10) == "6, 7, 8 of 10 (mean 7.0)"
