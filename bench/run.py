"""seecat's benchmark: how fast and how well, in one run, as a Markdown table.

    make bench                      # everything (about 55 minutes on a 2-core CPU)
    python bench/run.py --tiny      # a smoke run: one model, a few steps, no notebooks
    python bench/run.py --notebooks # only each notebook's time against its compute floor, and peak memory (README)
    python bench/run.py --notebooks lessons/01_noise_classification.ipynb   # only the notebooks named
    python bench/run.py --goals     # only steps and seconds to the goal
    python bench/run.py --explain   # only seconds per attribution map, batched and one image per call
    python bench/run.py --inside    # only lesson 08's costs: a channel's image, a diverse batch, DeepDream
    python bench/run.py --attacks   # only lesson 09's costs: PGD batched and one photo at a time, the success curves
    python bench/run.py --peers     # only seecat side by side with tf-keras-vis, PAIR's saliency, foolbox (bench/peers.py)
    python bench/run.py --determinism  # only the cost of SEECAT_DETERMINISTIC=1, and whether runs are bit-identical
    python bench/run.py --eot       # only EOT's draws and steps, and the targeted camera attack per photo

Sections: 1. the cost of one step (eager loop, lib loop, bare tf.function);
2. steps and seconds to the goal, the article's recipe against lib's defaults;
3. each notebook's run time against its compute floor (its compiled steps' calls at steady-state speed, timed by
a cell the benchmark adds after the notebook's setup cell), and its kernel's peak memory; 4. peak memory of lesson 02's kernel, Lite0 against VGG16;
5. how often a second network agrees with each recipe's ideal images; 6. seconds per attribution map
(lib.attribution), each method batched and one image per model call; 7. inside the network: one channel's ideal
image, a batch of four with the diversity term, DeepDream; 8. attacks: PGD on the photo set in one batch and one photo
at a time, and lesson 09's success curves; 9. the cost of SEECAT_DETERMINISTIC=1 (TensorFlow's op determinism) on a
Fourier-recipe run and PGD, in processes of their own, and whether two runs with one seed give bit-identical images;
10. EOT's draws and steps against survival on fresh camera shots, and the targeted camera attack per photo.

This file is the command line: SECTIONS lists each section once (its heading, flag, help and function) and main()
walks it. The sections live in modules of their own: speed (1, 2), notebooks (3, 4), quality (5), attribution_maps
(6), inside (7), attack_tables (8, 10), determinism (9), peers (the side by side); common holds what they share,
lib.timing the timing helper. They import common and each other only downwards (tests/test_bench.py checks that no
import goes round in a circle).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import attack_tables
import attribution_maps
import common
import determinism
import inside
import notebooks
import peers
import quality
import speed


@dataclass(frozen=True)
class Section:
    """One section of the benchmark: how the full run heads it, its command-line flag, and what measures it."""

    heading: str  # "### 1. ..." in the full run; {repeats} stands for explain_repeats(tiny)
    flag: str | None  # --flag runs this section alone; None: only in the full run
    help: str  # the flag's help
    rows: Callable[[argparse.Namespace], list[str]]  # the section's lines, given the command line
    tiny: bool = True  # whether the smoke run (--tiny) has it
    runs_first: bool = False  # measured before the others (printed in its place): its peak memory is its own


SECTIONS = [
    Section("### 1. One step (forward + backward to the input, batch 1), medians", None, "",
            lambda args: speed.step_cost_section(args.tiny)),
    Section("### 2. Steps and seconds to the goal, efficientnet_lite0", "goals",
            "only section 2: steps and seconds to the goal", lambda args: speed.goal_section(args.tiny)),
    Section("### 3. Each notebook under the test settings (fresh kernel, embedded model)", "notebooks",
            "only section 3: each notebook's time against its compute floor, and its memory (all notebooks, or "
            "those named)", lambda args: notebooks.notebook_rows(args.notebooks or None), tiny=False),
    Section("### 4. Peak memory of lesson 02", None, "", lambda args: notebooks.memory_rows(), tiny=False),
    Section("### 5. Would another network agree? Judges' top-5 agreement on the class of each ideal image", None, "",
            lambda args: quality.agreement_section(args.tiny)),
    Section("### 6. Attribution maps, efficientnet_lite0 on data/cat.png at 224x224: seconds per map, medians of "
            "{repeats} after a warm-up call", "explain",
            "only section 6: seconds per attribution map (with --tiny: smaller settings, one repeat)",
            lambda args: attribution_maps.explain_section(args.tiny), runs_first=True),
    Section("### 7. Inside the network (lesson 08), efficientnet_lite0", "inside",
            "only section 7: lesson 08's channel images, a diverse batch and DeepDream (with --tiny: a few steps)",
            lambda args: inside.inside_rows(args.tiny)),
    Section("### 8. Attacks (lesson 09), efficientnet_lite0 on the photo set", "attacks",
            "only section 8: lesson 09's attacks, batched and one photo at a time, and its success curves",
            lambda args: attack_tables.attack_rows(args.tiny)),
    Section("### 9. The cost of SEECAT_DETERMINISTIC=1 (TensorFlow's op determinism)", "determinism",
            "only section 9: the cost of SEECAT_DETERMINISTIC=1 (with --tiny: a few steps)",
            lambda args: determinism.determinism_rows(args.tiny)),
    Section("### 10. Attacks that survive a camera: EOT's draws and steps (efficientnet_lite0)", "eot",
            "only section 10: EOT's draws and steps against survival on fresh camera shots, and the targeted camera "
            "attack per photo (with --tiny: two photos, two steps)", lambda args: attack_tables.eot_rows(args.tiny)),
    Section("### Side by side with the peers: tf-keras-vis, PAIR's saliency, foolbox", "peers",
            "only the side by side: seecat against tf-keras-vis, PAIR's saliency and foolbox "
            "(bench/requirements-peers.txt)", lambda args: peers.side_by_side_rows(), tiny=False),
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line: --tiny, at most one section's flag (SECTIONS), and the determinism section's worker."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a smoke run: one model, few steps, no notebooks")
    only = parser.add_mutually_exclusive_group()
    for section in SECTIONS:
        if section.flag == "notebooks":  # the notebooks named, or all of them
            only.add_argument("--notebooks", nargs="*", type=Path, metavar="NOTEBOOK", help=section.help)
        elif section.flag:
            only.add_argument(f"--{section.flag}", action="store_true", help=section.help)
    only.add_argument("--determinism-worker", type=Path, metavar="OUT.npz", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def chosen(args: argparse.Namespace) -> Section | None:
    """The section whose flag was given (--notebooks with or without notebooks), or None for the full run."""
    return next((section for section in SECTIONS if section.flag and getattr(args, section.flag) not in (None, False)),
                None)


def full_run(args: argparse.Namespace) -> list[str]:
    """Every section (the smoke run's with --tiny), each under its heading, in SECTIONS' order."""
    sections = [section for section in SECTIONS if section.tiny or not args.tiny]
    measured = {section.heading: section.rows(args) for section in sorted(sections, key=lambda s: not s.runs_first)}
    repeats = attribution_maps.explain_repeats(args.tiny)
    return [line for section in sections
            for line in (f"\n{section.heading.format(repeats=repeats)}\n", *measured[section.heading])]


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.determinism_worker:
        print(json.dumps(determinism.determinism_worker(args.determinism_worker, args.tiny)))
        return 0
    section = chosen(args)
    measured_on = f"Measured on {common.machine()}, {time.strftime('%Y-%m-%d')}."
    if section is not None:
        print(measured_on + "\n", *section.rows(args), sep="\n")
    else:
        print("\n".join([measured_on, *full_run(args)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
