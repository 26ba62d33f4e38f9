"""Section 9 of the benchmark: the cost of SEECAT_DETERMINISTIC=1 (TensorFlow's op determinism) on a Fourier-recipe
run and PGD, in processes of their own, and whether two runs with one seed give bit-identical images.

Each process is the benchmark's command line run again as a worker
(`bench/run.py --determinism-worker OUT.npz`), which calls determinism_worker.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from common import ENTRY, LITE0

import lib
from lib.timing import timed

DETERMINISM_STEPS = {"fourier": 64, "pgd": 20}  # enough steps for a steady median, few enough for a short section
DETERMINISM_PHOTOS = 4  # one batch of lib.attacks' default size


def determinism_worker(out: Path, tiny: bool = False) -> dict:
    """One process of the determinism section (SEECAT_DETERMINISTIC comes from its environment): a Lite0 run of the
    Fourier recipe and a PGD attack, each twice with the run's seed; saves the images to `out` (.npz), returns the
    seconds per step of the second run of each (the first also traces its step)."""
    from lib import attacks, seeds

    model = lib.load_model(LITE0)
    fourier_steps, pgd_steps = (3, 2) if tiny else (DETERMINISM_STEPS["fourier"], DETERMINISM_STEPS["pgd"])
    fourier = [lib.ideal_image(model, "Siamese cat", "fourier", num_steps=fourier_steps) for _ in range(2)]
    photos, labels, _ = lib.load_photo_set(224)
    photos, labels = photos[:2 if tiny else DETERMINISM_PHOTOS], labels[:2 if tiny else DETERMINISM_PHOTOS]
    (_, first), (seconds, second) = [timed(lambda: attacks.pgd(model, photos, labels, 4, steps=pgd_steps))
                                     for _ in range(2)]  # the second run's seconds: the first also traces its step
    np.savez(out, fourier_1=fourier[0].image, fourier_2=fourier[1].image, pgd_1=first, pgd_2=second)
    return {"deterministic": seeds.deterministic(), "seed": seeds.run_seed(), "fourier_steps": fourier_steps,
            "fourier_s_per_step": fourier[1].seconds_per_step, "pgd_steps": pgd_steps, "pgd_photos": len(photos),
            "pgd_s_per_step": seconds / pgd_steps}


def same_images(a: np.ndarray, b: np.ndarray) -> str:
    """"yes" when bit-identical, else "no" and the largest difference in levels of 255."""
    if a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes():
        return "yes"
    return f"no (up to {np.abs(a.astype(np.float64) - b).max() * 255:.2g}/255)" if a.shape == b.shape else "no (shapes)"


def determinism_rows(tiny: bool = False) -> list[str]:
    """The cost of SEECAT_DETERMINISTIC=1: two processes with it off and two with it on, each running the Fourier
    recipe and PGD twice with the same seed; seconds per step, and whether the images came out bit-identical."""
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for process in (1, 2):  # off, on, off, on: a machine whose load drifts weighs on both alike
            for mode in ("0", "1"):
                out = Path(folder, f"{mode}-{process}.npz")
                done = subprocess.run([sys.executable, str(ENTRY), "--determinism-worker", str(out)]
                                      + (["--tiny"] if tiny else []),
                                      env={**os.environ, "SEECAT_DETERMINISTIC": mode}, capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(f"the determinism worker (SEECAT_DETERMINISTIC={mode}) failed:\n{done.stderr[-3000:]}")
                report = json.loads(done.stdout.strip().splitlines()[-1])
                with np.load(out) as images:
                    results[mode, process] = report, {name: images[name] for name in images.files}
                print(f"SEECAT_DETERMINISTIC={mode}, process {process}: {report}", file=sys.stderr, flush=True)
    return determinism_table(results)


def determinism_table(results: dict) -> list[str]:
    """The section's table from {(mode "0" or "1", process 1 or 2): (worker's report, its images)}."""
    report = results["0", 1][0]
    if results["1", 1][0]["deterministic"] is not True or report["deterministic"] is not False:
        raise RuntimeError("SEECAT_DETERMINISTIC did not reach the workers as set: " + repr(
            {key: value[0]["deterministic"] for key, value in results.items()}))
    tasks = {"fourier": f"Fourier recipe, {report['fourier_steps']} steps (Lite0, 224 px, batch 1)",
             "pgd": f"PGD at 4/255, {report['pgd_steps']} steps on {report['pgd_photos']} photos at once (Lite0)"}
    rows = ["| task | op determinism | ms / step (process 1, 2) | on / off | same seed, bit-identical: "
            "two runs in one process | two processes |", "|---|---|---|---|---|---|"]
    for task, label in tasks.items():
        means = {mode: statistics.mean(results[mode, k][0][f"{task}_s_per_step"] for k in (1, 2)) for mode in "01"}
        ratio = {"0": "—", "1": f"{means['1'] / means['0']:.2f}x"}
        for mode in "01":
            (one, first), (two, second) = results[mode, 1], results[mode, 2]
            within = [same_images(images[f"{task}_1"], images[f"{task}_2"]) for images in (first, second)]
            rows.append(f"| {label} | {'on' if mode == '1' else 'off'} | {1000 * one[f'{task}_s_per_step']:.0f}, "
                        f"{1000 * two[f'{task}_s_per_step']:.0f} | "
                        f"{ratio[mode]} | "
                        f"{within[0] if within[0] == within[1] else ', '.join(within)} | "
                        f"{same_images(first[f'{task}_1'], second[f'{task}_1'])} |")
    return rows + ["", f"Each process (off, on, off, on) runs each task twice with seed {report['seed']} (SEECAT_SEED) "
                   "and times the second run: the Fourier recipe's median step (lib's Result.seconds_per_step), "
                   "PGD's whole call over its steps. On / off: the mean of the two processes with "
                   "SEECAT_DETERMINISTIC=1 over the mean of the two with it off."]
