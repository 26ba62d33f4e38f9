"""A smoke run of the benchmark, so that it can't silently rot (its figures are not checked)."""

import re
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
    assert "### 6. Attribution maps" in table
    check_explain_table(table)
    assert "### 7. Inside the network" in table
    for task in ("one channel's ideal image", "four diverse images in one batch", "DeepDream on the cat photo, 224 px"):
        (row,) = [line for line in table.splitlines() if line.startswith(f"| {task} |")]
        seconds = row.split(" | ")[2]
        assert float(seconds.split()[0]) > 0 and row.endswith(("| yes |", "| no |")), row
    assert "### 8. Attacks (lesson 09)" in table
    (batch,) = [line for line in table.splitlines() if line.startswith("| PGD, 2 steps at 4/255, all 3 photos in one call |")]
    (alone,) = [line for line in table.splitlines() if line.startswith("| the same, one photo at a time |")]
    assert float(batch.split(" | ")[1].split()[0]) > 0 and "x the batch" in alone
    assert re.search(r"\| lesson 09's curves: .* at 2 budgets \| [\d.]+ \| <= 60 s \| (yes|no) \|", table)
    assert re.search(r"\| PGD, untargeted \| \d+% \| \d+% \|", table)


def check_explain_table(table: str) -> None:
    """Section 6 has a row per attribution method, its seconds numbers, and the process's peak memory."""
    rows = {cells[0]: cells for cells in (line.strip("| ").split(" | ") for line in table.splitlines()
                                          if line.startswith("| ") and line.count(" | ") == 6)}
    for method in ("gradient", "smoothgrad", "integrated_gradients", "gradcam", "occlusion"):
        _, settings, batched, unbatched, speed_up, target, within = rows[method]
        assert float(batched) > 0 and target.startswith("<= ") and within in ("yes", "no"), rows[method]
        if method in ("gradient", "gradcam"):  # nothing to batch
            assert unbatched == speed_up == "—", rows[method]
        else:
            assert float(unbatched) > 0 and float(speed_up.removesuffix("x")) > 0, rows[method]
            assert "batch_size=" in settings, rows[method]
    assert re.search(r"Peak memory of this process \(.*\): \d+ MB", table)


def test_an_agreement_cell_shows_each_seed_and_the_mean():
    sys.path.insert(0, str(ROOT / "bench"))
    import run

    assert run.agreement_cell([7], 10) == "7/10"
    assert run.agreement_cell([6, 7, 8], 10) == "6, 7, 8 of 10 (mean 7.0)"
