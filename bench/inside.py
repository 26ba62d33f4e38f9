"""Section 7 of the benchmark: inside the network (lesson 08) with Lite0: one channel's ideal image, a batch of four
with the diversity term, DeepDream on the cat photo."""

from __future__ import annotations

from common import LITE0, echoed, yes

import lib
from lib.timing import timed

INSIDE_STEPS = 256  # the Fourier recipe's own number of steps
INSIDE_CHANNEL = ("block10", 33)  # lesson 08's block10 channel


def inside_rows(tiny: bool = False) -> list[str]:
    """Lesson 08's costs with Lite0: one channel's ideal image, a batch of four with the diversity term against one,
    DeepDream on the cat photo (each run once, after a short warm-up run)."""
    model = lib.load_model(LITE0)
    steps = 4 if tiny else INSIDE_STEPS
    layer, index = INSIDE_CHANNEL
    one_objective = lib.channel(layer, index)
    four_objective = lib.channel(layer, index) + 10.0 * lib.diversity(layer)

    def run(objective, batch: int):
        lib.ideal_image(model, objective, "fourier", num_steps=2, batch=batch)  # warm-up
        return timed(lambda: lib.ideal_image(model, objective, "fourier", num_steps=steps, batch=batch))

    one_seconds, one = run(one_objective, 1)
    four_seconds, _ = run(four_objective, 4)
    cat = lib.load_image(lib.data_path("cat.png"), size=224)
    octaves, per_octave = (1, 2) if tiny else (3, 20)
    lib.deep_dream(model, cat, "block11", octaves=octaves, steps_per_octave=1)  # warm-up
    dream_seconds, _ = timed(lambda: lib.deep_dream(model, cat, "block11", octaves=octaves,
                                                    steps_per_octave=per_octave))
    reached = float(lib.activations(model, one.image, layer)[..., index].mean())
    rows = echoed(["| task | settings | seconds | target | within target |", "|---|---|---|---|---|",
                   f"| one channel's ideal image | {layer} #{index}, Fourier recipe, {steps} steps | {one_seconds:.1f} "
                   f"| <= 15 s | {yes(one_seconds <= 15)} |",
                   f"| four diverse images in one batch | + 10 x diversity({layer!r}), {steps} steps | {four_seconds:.1f} "
                   f"({four_seconds / one_seconds:.1f}x one) | <= 2x one | {yes(four_seconds <= 2 * one_seconds)} |",
                   f"| DeepDream on the cat photo, 224 px | block11, {octaves} octaves x {per_octave} steps | "
                   f"{dream_seconds:.1f} | <= 20 s | {yes(dream_seconds <= 20)} |"])
    return rows + ["", f"The channel's mean activation over its ideal image: {reached:.1f}. Each run compiles its own "
                   "step (about a second, included); a short run before each warms TensorFlow up."]
