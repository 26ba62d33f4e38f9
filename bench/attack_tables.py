"""Sections 8 and 10 of the benchmark: lesson 09's attacks with Lite0 on the photo set.

8. PGD on the photo set in one batch and one photo at a time, and the lesson's success curves.
10. EOT's draws and steps against survival on fresh camera shots, and the targeted camera attack per photo.

(Named attack_tables, not attacks, so that it never stands in for lib.attacks.)
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from common import LITE0, echoed, peak_rss_mb, yes

import lib
from lib import attacks, compiled
from lib.timing import timed

ATTACK_BUDGETS = [0.5, 1, 2, 4, 8, 16]  # lesson 09's success curves
ATTACK_TARGET = "Siamese cat"


def attack_rows(tiny: bool = False) -> list[str]:
    """Lesson 09's costs with Lite0 on the photo set: PGD (20 steps) on all photos in one batch against one photo at a
    time, each after a warm-up call that compiles its step; then the lesson's four success curves, from cold."""
    model = lib.load_model(LITE0)
    photos, labels, _ = lib.load_photo_set(224)
    photos, labels = (photos[:3], labels[:3]) if tiny else (photos, labels)
    steps, budgets = (2, ATTACK_BUDGETS[2:4]) if tiny else (20, ATTACK_BUDGETS)

    def batch():
        return attacks.pgd(model, photos, labels, 4, steps=steps)

    def one_at_a_time():
        return [attacks.pgd(model, photos[k:k + 1], labels[k:k + 1], 4, steps=steps) for k in range(len(photos))]

    def success_curves() -> dict[str, list[float]]:
        made_by = {"FGSM": functools.partial(lib.fgsm, model), "PGD": functools.partial(lib.pgd, model)}
        return {f"{name}, {kind}": lib.success_rate(model, photos, labels, attack, budgets, targets)[model.name]
                for kind, targets in (("untargeted", None), ("targeted", [ATTACK_TARGET] * len(photos)))
                for name, attack in made_by.items()}

    compiled.clear(model, "attack")  # the attacks' compiled steps; the model's predictor stays warm
    (batch_cold, _), (batch_warm, _) = timed(batch), timed(batch)
    single_cold, _ = timed(lambda: attacks.pgd(model, photos[:1], labels[:1], 4, steps=steps))
    single_warm, _ = timed(one_at_a_time)
    compiled.clear(model, "attack")  # the curves as the lesson runs them: each attack compiles once
    curves, rates = timed(success_curves)
    rows = echoed(["| task | seconds | target | within target |", "|---|---|---|---|",
                   f"| PGD, {steps} steps at 4/255, all {len(photos)} photos in one call | {batch_warm:.1f} "
                   f"(first call {batch_cold:.1f}, with compiling) | — | — |",
                   f"| the same, one photo at a time | {single_warm:.1f} ({single_warm / batch_warm:.1f}x the batch; the "
                   f"first photo {single_cold:.1f}, with compiling) | — | — |",
                   f"| lesson 09's curves: FGSM and PGD (10 steps), untargeted and targeted, at {len(budgets)} budgets "
                   f"| {curves:.1f} | <= 60 s | {yes(curves <= 60)} |"])
    budgets_row = " | ".join(f"{budget:g}/255" for budget in budgets)
    table = [f"| attack | {budgets_row} |", "|---|" + "---|" * len(budgets)]
    table += [f"| {name} | " + " | ".join(f"{100 * rate:.0f}%" for rate in values) + " |" for name, values in rates.items()]
    return rows + ["", f"Share of the {len(photos)} photos fooled (targeted: made a {ATTACK_TARGET}):", "", *table, "",
                   f"Peak memory of this process: {peak_rss_mb()} MB."]


EOT_SETTINGS = [(2, 50), (2, 100), (4, 50), (4, 100), (8, 50), (8, 100)]  # (draws, steps) tried for EOT's defaults
EOT_BUDGET = 8  # levels of 255: the targeted camera attack of issue 23 and `seecat attack --method eot --eps 8`


def eot_rows(tiny: bool = False) -> list[str]:
    """EOT's defaults by measurement: the targeted camera attack (Siamese cat, 8/255, camera shots saved as JPEG 75)
    on lesson 09's photos, one photo at a time as `seecat attack` makes it, at each (draws, steps) of EOT_SETTINGS;
    then, per photo, the default's result: as saved, after JPEG 75, and the share of 20 fresh camera + JPEG shots."""
    model = lib.load_model(LITE0)
    photos, labels, files = lib.load_photo_set(224)
    right = ~attacks.fooled(model, photos, labels)
    photos, labels, files = photos[right], [y for y, ok in zip(labels, right) if ok], [f for f, ok in zip(files, right) if ok]
    settings = [(2, 2)] if tiny else EOT_SETTINGS
    if tiny:
        photos, labels, files = photos[:2], labels[:2], files[:2]
    summary = ["| draws | steps | succeed (all three) | as saved | after JPEG 75 | fresh shots (mean) | seconds a photo |",
               "|---|---|---|---|---|---|---|"]
    per_photo = {}
    for draws, steps in settings:
        attacks.attack(model, photos[:1], labels[:1], "eot", EOT_BUDGET, targets=[ATTACK_TARGET], draws=draws,
                       steps=1)  # compiles this number of views' step, so that no photo's seconds include it
        results = []
        for k in range(len(photos)):
            results.append(attacks.attack(model, photos[k:k + 1], labels[k:k + 1], "eot", EOT_BUDGET,
                                          targets=[ATTACK_TARGET], draws=draws, steps=steps))
        per_photo[(draws, steps)] = results
        seconds = np.mean([r.seconds for r in results])
        count = sum(r.count for r in results)
        default = " (default)" if (draws, steps) == (attacks.EOT_DRAWS, attacks.STEPS["eot"]) else ""
        summary.append(f"| {draws}{default} | {steps} | {count} of {len(photos)} | "
                       f"{sum(int(r.as_saved[0]) for r in results)} | {sum(int(r.after_then[0]) for r in results)} | "
                       f"{100 * np.mean([r.shot_share[0] for r in results]):.0f}% | {seconds:.1f} |")
        print(summary[-1], flush=True)
    chosen = per_photo.get((attacks.EOT_DRAWS, attacks.STEPS["eot"]), per_photo[settings[-1]])
    table = ["| photo | class | as saved | after JPEG 75 | fresh camera + JPEG shots | seconds |", "|---|---|---|---|---|---|"]
    for name, label, r in zip(files, labels, chosen):
        table.append(f"| {Path(name).name} | {label} | {yes(bool(r.as_saved[0]))} | {yes(bool(r.after_then[0]))} | "
                     f"{round(r.shot_share[0] * r.shots)} of {r.shots} | {r.seconds:.1f} |")
    table.append(f"| mean | | {np.mean([r.as_saved[0] for r in chosen]):.0%} | "
                 f"{np.mean([r.after_then[0] for r in chosen]):.0%} | {np.mean([r.shot_share[0] for r in chosen]):.0%} | "
                 f"{np.mean([r.seconds for r in chosen]):.1f} |")
    return [f"Targeted to {ATTACK_TARGET} at {EOT_BUDGET}/255 on {len(photos)} photos, each alone:", "", *summary, "",
            "Per photo, with the defaults:", "", *table, "", f"Peak memory of this process: {peak_rss_mb()} MB."]
