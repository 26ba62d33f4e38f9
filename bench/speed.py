"""Sections 1 and 2 of the benchmark: the cost of one step, and steps and seconds to the goal.

1. One step (forward + backward to the input, batch 1): the article's eager loop, lib's loop, a bare tf.function.
2. The article's recipe (gradient descent at learning rate 1, a fixed 1000 steps) against lib's defaults.
"""

from __future__ import annotations

import sys
import time

import common  # first: it puts the repository on sys.path
import numpy as np
import tensorflow as tf

import lib
from lib import models
from lib.timing import median_ms

ARTICLE_STEPS = 1000


def eager_step_ms(model, repeats: int) -> float:
    """The article's way: an uncompiled GradientTape step, then an update."""
    objective = lib.cross_entropy("Siamese cat")
    image = tf.Variable(lib.noise_image(lib.model_input_size(model))[None])

    def step():
        loss, _, gradient = lib.gradient_of(model, objective, tf.convert_to_tensor(image))
        image.assign(image - 0.01 * gradient)
        return float(loss)

    return median_ms(step, repeats, warmup=3)


def floor_step_ms(model, repeats: int) -> float:
    """The floor: a bare compiled function computing the same gradient, nothing else."""
    objective = lib.cross_entropy("Siamese cat")
    image = tf.constant(lib.noise_image(lib.model_input_size(model))[None])
    gradient = tf.function(lambda x: lib.gradient_of(model, objective, x)[2])
    return median_ms(lambda: gradient(image), repeats, warmup=3)  # returns once computed (eager calls are synchronous)


def loop_step_ms(model, repeats: int) -> float:
    """lib's loop as a user runs it: the median time between consecutive steps."""
    stamps = []
    lib.optimise_image(model, "Siamese cat", num_steps=repeats + 3, stop_at=None,
                       callback=lambda progress: stamps.append(time.perf_counter()))
    gaps = np.diff(stamps[3:])
    return 1000 * float(np.median(gaps))


def step_cost_rows(names: list[str], repeats: int) -> list[str]:
    rows = ["| model | (a) eager loop, ms | (b) lib loop, ms | (c) bare tf.function, ms | (a)/(b) | (b)/(c) |",
            "|---|---|---|---|---|---|"]
    for name in names:
        model = models.build_vgg16(weights=None) if name == "vgg16 (random weights)" else lib.load_model(name)
        eager, loop, floor = eager_step_ms(model, repeats), loop_step_ms(model, repeats), floor_step_ms(model, repeats)
        rows.append(f"| {name} | {eager:.0f} | {loop:.0f} | {floor:.0f} | {eager / loop:.1f}x | {loop / floor:.3f} |")
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def first_reach(result: lib.Result, threshold: float = 0.9) -> str:
    """The step at which p(target) first reached the threshold, or a dash."""
    hits = [i for i, p in enumerate(result.target_probabilities) if p >= threshold]
    return str(hits[0]) if hits else "never"


def describe(model, result: lib.Result, image: np.ndarray) -> str:
    """Final p, L-inf / L2 of the change and TV relative to the start, for `image`."""
    tv, change = lib.total_variation(), image - result.start_image
    final_p = float(tf.nn.softmax(model(image[None]))[0, result.target])
    tv_ratio = float(tv(None, image[None]) / tv(None, result.start_image[None]))
    linf, l2 = np.abs(change).max() * 255, np.sqrt(np.sum(change**2)) * 255
    return f"{final_p:.3f} | {linf:.1f} / {l2:.0f} | {tv_ratio:.3f}"


def goal_rows(model, article_steps: int, lib_steps: int | None = None) -> list[str]:
    """The article's recipe against lib's defaults (lesson 04's tv recipe for the TV rows); lib_steps caps lib's runs."""
    dog = lib.load_image(lib.data_path("dog.png"), size=lib.model_input_size(model))
    cat, zebra = lib.cross_entropy("Siamese cat"), lib.cross_entropy("zebra")
    tv_cat, tv_zebra = (lib.recipes.recipe_settings("tv", name) for name in ("Siamese cat", "zebra"))  # lesson 04's
    tasks = [  # (task, article objective, lib objective, start image, lib settings)
        ("naive ideal Siamese cat", cat, cat, None, {}),
        ("dog -> Siamese cat", cat, cat, dog, {"learning_rate": 1 / 255, "epsilon": 4 / 255}),
        ("TV ideal Siamese cat", 10 * cat + 0.005 * lib.total_variation(), tv_cat.pop("objective"), None, tv_cat),
        ("TV ideal zebra", 10 * zebra + 0.005 * lib.total_variation(), tv_zebra.pop("objective"), None, tv_zebra),
    ]
    rows = ["| task | recipe | first step with p >= 0.9 | steps run | seconds | final p | L-inf / L2 (0-255) | TV / TV(start) |",
            "|---|---|---|---|---|---|---|---|"]
    for task, article_objective, lib_objective, start, settings in tasks:
        last = [None]  # the article kept its last image, whatever its loss: so do we, for its row
        article = lib.optimise_image(model, article_objective, start, num_steps=article_steps, method="gd",
                                     learning_rate=1.0, stop_at=None, callback=lambda p: last.__setitem__(0, p.image))
        if lib_steps is not None:
            settings = {**settings, "num_steps": min(settings.get("num_steps", lib_steps), lib_steps)}
        ours = lib.optimise_image(model, lib_objective, start, **settings)
        for recipe, result, image in (("article: GD eta=1, fixed steps", article, last[0]),
                                      ("lib defaults", ours, ours.image)):
            rows.append(f"| {task} | {recipe} | {first_reach(result)} | {result.num_steps} | {result.seconds:.1f} | "
                        f"{describe(model, result, image)} |")
            print(rows[-1], file=sys.stderr, flush=True)
    return rows


def step_cost_section(tiny: bool = False) -> list[str]:
    """Section 1: every model's step (Lite0 alone with --tiny), medians of 20 steps (3 with --tiny)."""
    names = ["efficientnet_lite0"] if tiny else \
        ["efficientnet_lite0", "efficientnet_lite2", "squeezenet1_1", "vgg16 (random weights)"]
    return step_cost_rows(names, 3 if tiny else 20)


def goal_section(tiny: bool = False) -> list[str]:
    """Section 2 on Lite0: the article's 1000 steps against lib's defaults (5 steps each with --tiny)."""
    model = lib.load_model(common.LITE0)
    return goal_rows(model, 5, 5) if tiny else goal_rows(model, ARTICLE_STEPS)
