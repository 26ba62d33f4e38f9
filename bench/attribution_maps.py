"""Section 6 of the benchmark: seconds per attribution map (lib.attribution), each method batched and one image per
model call, with Lite0 on data/cat.png at 224x224."""

from __future__ import annotations

import sys

from common import LITE0, peak_rss_mb

import lib
from lib.timing import median_ms

EXPLAIN_ROWS = [
    ("gradient", {}, 0.2),
    ("smoothgrad", {"samples": 32}, 2.0),
    ("integrated_gradients", {"steps": 64}, 2.0),
    ("gradcam", {}, 0.2),
    ("occlusion", {"patch": 32, "stride": 16}, 3.0),
]
TINY_EXPLAIN_SETTINGS = {"samples": 8, "steps": 8, "patch": 112, "stride": 112}  # --tiny: one batch per map
EXPLAIN_REPEATS = 7


def explain_rows(repeats: int, tiny: bool = False) -> list[str]:
    """Seconds per map of each attribution method on the cat photo with Lite0, medians of `repeats`: batched (the
    method's default batch_size) and unbatched (batch_size=1, one image per model call); the process's peak memory."""
    from lib import attribution

    model = lib.load_model(LITE0)
    image = lib.load_image(lib.data_path("cat.png"), size=224)
    target = attribution.top_class(model, image)  # given to each call, so no map pays for finding it
    rows = ["| method | settings | batched s/map | unbatched s/map | speed-up | target | within target |",
            "|---|---|---|---|---|---|---|"]
    for method, settings, target_seconds in EXPLAIN_ROWS:
        settings = {name: TINY_EXPLAIN_SETTINGS[name] for name in settings} if tiny else settings
        batch_size = attribution.METHODS[method].get("batch_size")

        def seconds(**extra) -> float:  # median of `repeats` after one warm-up call (the first call compiles)
            return median_ms(lambda: attribution.explain(model, image, target, method, **settings, **extra),
                             repeats, warmup=1) / 1000

        batched = seconds()
        unbatched = None if batch_size is None else seconds(batch_size=1)
        described = ", ".join([f"{name}={value}" for name, value in settings.items()]
                              + ([] if batch_size is None else [f"batch_size={batch_size} (unbatched: 1)"]))
        rows.append(f"| {method} | {described or '—'} | {batched:.3f} | "
                    + ("— | — |" if unbatched is None else f"{unbatched:.3f} | {unbatched / batched:.1f}x |")
                    + f" <= {target_seconds:g} s | {'yes' if batched <= target_seconds else 'no'} |")
        print(rows[-1], file=sys.stderr, flush=True)
    return rows + ["", "Unbatched —: gradient and gradcam send the one image through the model in one call, there is "
                   "nothing to batch. Within target judges the batched time (explain's default). Each map explains "
                   f"the photo's top class, {lib.class_name(target)}.",
                   f"Peak memory of this process (TensorFlow, Lite0, the maps): {peak_rss_mb()} MB."]


def explain_repeats(tiny: bool = False) -> int:
    """How many calls each median takes: EXPLAIN_REPEATS, or one with --tiny."""
    return 1 if tiny else EXPLAIN_REPEATS


def explain_section(tiny: bool = False) -> list[str]:
    """Section 6: the maps at EXPLAIN_ROWS' settings (TINY_EXPLAIN_SETTINGS, one repeat, with --tiny)."""
    return explain_rows(explain_repeats(tiny), tiny)
