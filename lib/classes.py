"""The 1000 ImageNet class names: look them up by name or by id.

The list ships in `data/imagenet_classes.tsv` (see `data/README.md` for its
source); it is never downloaded.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

NUM_CLASSES = 1000
CLASSES_FILE = Path(__file__).resolve().parent.parent / "data" / "imagenet_classes.tsv"

# Everyday words that are not class names, and the classes they stand for.
# They let the "did you mean" message help a student who types "kitty".
EVERYDAY_WORDS = {
    "cat": range(281, 286),
    "kitty": range(281, 286),
    "kitten": range(281, 286),
    "dog": range(151, 269),
    "puppy": range(151, 269),
    "bird": (7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 23),
    "fish": (0, 1, 2, 3, 4, 5, 6, 389, 390, 391, 392, 393, 394, 395, 396, 397),
    "car": (436, 468, 511, 609, 627, 656, 661, 705, 717, 751, 817),
    "horse": (339, 603),
    "flower": (985, 986),
    "snake": tuple(range(52, 69)),
    "bear": (294, 295, 296, 297),
}


@functools.lru_cache(maxsize=1)
def class_names() -> tuple[str, ...]:
    """The 1000 class names, in the models' output order (index = class id)."""
    lines = CLASSES_FILE.read_text(encoding="utf-8").splitlines()[1:]
    names = tuple(line.split("\t")[2] for line in lines)
    if len(names) != NUM_CLASSES:
        raise RuntimeError(f"{CLASSES_FILE} has {len(names)} classes, expected {NUM_CLASSES}")
    return names


@functools.lru_cache(maxsize=1)
def _ids_by_lowercase_name() -> dict[str, int]:
    return {name.lower(): index for index, name in enumerate(class_names())}


def class_name(class_id: int) -> str:
    """The name of a class id, e.g. `class_name(284) == "Siamese cat"`."""
    return class_names()[class_id_of(class_id)]


def suggest_classes(text: str, count: int = 6) -> list[str]:
    """Class names close to `text`, best first (for 'did you mean' messages)."""
    words = text.lower().strip()
    by_name = _ids_by_lowercase_name()
    suggestions = [class_names()[i] for i in EVERYDAY_WORDS.get(words, ())]
    suggestions += [name for name in class_names() if words and words in name.lower().replace("(", " ").split()]
    suggestions += [class_names()[by_name[n]] for n in difflib.get_close_matches(words, by_name, n=count, cutoff=0.6)]
    suggestions += [name for name in class_names() if words and words in name.lower()]
    unique = list(dict.fromkeys(suggestions))
    return unique[:count]


def class_id_of(target: int | str) -> int:
    """The class id of `target`: a name (any case) or an id in 0..999.

    Raises ValueError, with the closest names, for a name that is not a class.
    """
    if isinstance(target, bool) or not isinstance(target, (int, str)) and not hasattr(target, "__index__"):
        raise ValueError(
            f"A class is a name such as 'Siamese cat' or an id in 0..999, got {target!r} "
            f"of type {type(target).__name__}."
        )
    if not isinstance(target, str):
        class_id = int(target)
        if not 0 <= class_id < NUM_CLASSES:
            raise ValueError(f"Class id {class_id} is out of range: ImageNet ids go from 0 to 999.")
        return class_id
    name = " ".join(target.split()).lower()
    if name in _ids_by_lowercase_name():
        return _ids_by_lowercase_name()[name]
    if name.isdigit():
        return class_id_of(int(name))
    suggestions = suggest_classes(name)
    hint = f" Did you mean: {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
    raise ValueError(
        f"{target!r} is not one of the 1000 ImageNet class names.{hint} "
        f"`lib.search_classes(word)` lists every class whose name contains a word."
    )


def search_classes(word: str) -> list[tuple[int, str]]:
    """All (id, name) pairs whose name contains `word`, case-insensitive."""
    word = word.lower().strip()
    return [(i, name) for i, name in enumerate(class_names()) if word in name.lower()]
