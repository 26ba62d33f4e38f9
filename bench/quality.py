"""Section 5 of the benchmark: would another network agree? Judges' top-5 agreement on each ideal image's class.

Each recipe of AGREEMENT_ROWS makes the ideal image of each GALLERY class;
each of the JUDGES that did not help make it says whether the class is in its
top 5. Its Lite0 Fourier row also draws the README's gallery (docs/gallery.jpg).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import common

import lib
from lib import models
from lib.timing import timed

GALLERY = ["Siamese cat", "zebra", "goldfish", "flamingo", "school bus", "strawberry", "volcano", "daisy",
           "jellyfish", "golden retriever"]
# (source model(s), recipe label, settings). "recipe" takes the fourier recipe's settings (its centred logit among them);
# the other rows maximise the target's logit. "transforms": "lucid" is lib.transforms.standard_transforms(), "strong"
# is strong_transforms().
AGREEMENT_ROWS = [
    ("efficientnet_lite0", "naive pixels", {}),
    ("efficientnet_lite0", "pixels + TV", {"tv": lib.recipes.DEFAULT_TV_WEIGHT}),
    ("efficientnet_lite0", "pixels + lucid's transforms", {"transforms": "lucid"}),
    ("efficientnet_lite0", "Fourier 1/f + colour, no transforms", {"parameterisation": "fourier"}),
    ("efficientnet_lite0", "Fourier 1/f + colour + lucid's transforms", {"parameterisation": "fourier", "transforms": "lucid"}),
    ("efficientnet_lite0", "Fourier 1/f^1.5 + colour + strong transforms with noise",
     {"parameterisation": "fourier", "decay": lib.recipes.FOURIER_DECAY, "transforms": "strong",
      "learning_rate": lib.recipes.FOURIER_LEARNING_RATE}),
    ("efficientnet_lite0", "recipe \"fourier\": the same + 0.0003 TV, centred logit", {"recipe": True, "seeds": (0, 1, 2)}),
    ("efficientnet_lite0+efficientnet_lite1", "recipe \"fourier\", both models at once", {"recipe": True}),
    ("squeezenet1_1", "recipe \"fourier\" (learning rate 0.01)", {"recipe": True, "seeds": (0, 1, 2)}),
]
JUDGES = ["efficientnet_lite2", "squeezenet1_1", "efficientnet_lite0"]
GALLERY_ROW = 6  # the README's gallery: Lite0 with the fourier recipe


def save_gallery(images: list, classes: list[str], verdicts: list[str], path: Path) -> None:
    """The README's gallery: each class's ideal image, the judges' ranks for the class underneath."""
    figure = lib.show_images(images, classes, columns=5)
    figure.set_size_inches(14, 7)
    for axes, verdict in zip(figure.axes, verdicts):
        axes.set_xlabel(verdict, fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=72, bbox_inches="tight", pil_kwargs={"quality": 85, "optimize": True})


def row_settings(target: str, settings: dict, num_steps: int, model_name: str | None = None) -> dict:
    """optimise_image's arguments for one row of AGREEMENT_ROWS."""
    from lib.transforms import standard_transforms, strong_transforms

    if settings.get("recipe"):
        return {**lib.recipes.recipe_settings("fourier", target, model_name=model_name), "num_steps": num_steps}
    fourier = settings.get("parameterisation") == "fourier"
    transforms = {"lucid": standard_transforms, "strong": strong_transforms}.get(settings.get("transforms"))
    return {"objective": lib.logit(target) + settings.get("tv", 0.0) * lib.total_variation(), "num_steps": num_steps,
            "stop_at": None, "parameterisation": "fourier" if fourier else "pixels", "decay": settings.get("decay"),
            "learning_rate": settings.get("learning_rate", 0.05 if fourier else 0.01),
            "transforms": transforms() if transforms else None}


def agreement_cell(counts: list[int], total: int) -> str:
    """"7/10" for one seed; "7, 6, 8 of 10 (mean 7.0)" for several."""
    if len(counts) == 1:
        return f"{counts[0]}/{total}"
    return f"{', '.join(map(str, counts))} of {total} (mean {statistics.mean(counts):.1f})"


def agreement_rows(classes: list[str], num_steps: int, gallery: Path | None = None) -> list[str]:
    """How often a judge that never saw an image puts its class in the top-5."""
    names = {name for row in AGREEMENT_ROWS for name in row[0].split("+")} | set(JUDGES)
    loaded = {name: lib.load_model(name) for name in sorted(names)}
    rows = [f"| source model, recipe ({num_steps} steps, Adam) | s / image | "
            + " | ".join(f"judge {judge}" for judge in JUDGES) + " |", "|---" * (2 + len(JUDGES)) + "|"]
    for index, (source, label, settings) in enumerate(AGREEMENT_ROWS):
        makers = source.split("+")
        model = loaded[makers[0]] if len(makers) == 1 else lib.ensemble([loaded[name] for name in makers])
        seeds = settings.get("seeds", (0,))
        agree, seconds, images, captions = {judge: [0] * len(seeds) for judge in JUDGES}, [], [], []
        for run, seed in enumerate(seeds):
            for target in classes:
                arguments = row_settings(target, settings, num_steps, model.name)
                took, result = timed(lambda: lib.optimise_image(model, arguments.pop("objective"), target=target,
                                                                seed=seed, **arguments))
                seconds.append(took)
                verdicts = []
                for judge in JUDGES:
                    if judge not in makers:  # a judge never judges an image it helped to make
                        opinion = lib.second_opinion(loaded[judge], result.image, target)
                        agree[judge][run] += opinion.agrees
                        verdicts.append(f"{models.short_name(judge)} #{opinion.target_rank}")
                if run == 0:
                    images.append(result.image)
                    captions.append(", ".join(verdicts))
        if gallery is not None and index == GALLERY_ROW:
            save_gallery(images, classes, captions, gallery)
        cells = [("-" if judge in makers else agreement_cell(agree[judge], len(classes))) for judge in JUDGES]
        rows.append(f"| {source.replace('+', ' + ')}, {label} | {statistics.mean(seconds):.0f} | " + " | ".join(cells) + " |")
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def agreement_section(tiny: bool = False) -> list[str]:
    """Section 5: every class at 256 steps, drawing the gallery (one class at 4 steps, no gallery, with --tiny)."""
    if tiny:
        return agreement_rows(GALLERY[:1], 4)
    return agreement_rows(GALLERY, 256, common.ROOT / "docs" / "gallery.jpg")
