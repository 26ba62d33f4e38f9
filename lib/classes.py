"""The 1000 ImageNet class names: look them up by name or by id, and find a class's near neighbours.

The list ships in `data/imagenet_classes.tsv`, and the part of WordNet above
the classes in `data/imagenet_hierarchy.tsv` (see `data/README.md` for their
sources); neither is ever downloaded.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

NUM_CLASSES = 1000
CLASSES_FILE = Path(__file__).resolve().parent.parent / "data" / "imagenet_classes.tsv"
HIERARCHY_FILE = CLASSES_FILE.with_name("imagenet_hierarchy.tsv")  # written by tools/imagenet_hierarchy.py
# Near neighbours: two classes with one WordNet word at most NEIGHBOUR_STEPS above each, a word narrow enough to
# cover at most NEIGHBOUR_GROUP_LIMIT of the 1000 classes: "domestic cat" (5 classes), "citrus" (2), "shepherd dog"
# (12); not "dog" (118), "bird" (59) or "container" (100), which would lump unlike things together.
NEIGHBOUR_STEPS = 1
NEIGHBOUR_GROUP_LIMIT = 30

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


@functools.lru_cache(maxsize=1)
def _hypernyms() -> dict[str, tuple[str, ...]]:
    """{WordNet id: its direct hypernyms' ids} for the classes and everything above them."""
    lines = HIERARCHY_FILE.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].split("\t") != ["wordnet_id", "name", "hypernyms"]:
        raise RuntimeError(f"{HIERARCHY_FILE} must start with 'wordnet_id<TAB>name<TAB>hypernyms': regenerate it "
                           "with tools/imagenet_hierarchy.py (see data/README.md).")
    return {fields[0]: tuple(fields[2].split()) for fields in (line.split("\t") for line in lines[1:])}


def _ancestors(wordnet_id: str) -> dict[str, int]:
    """{the synset itself and each synset above it: the fewest steps up to it}."""
    steps, frontier, hypernyms = {wordnet_id: 0}, [wordnet_id], _hypernyms()
    for steps_up in range(1, len(hypernyms)):
        frontier = list(dict.fromkeys(above for below in frontier for above in hypernyms[below] if above not in steps))
        if not frontier:
            break
        steps.update(dict.fromkeys(frontier, steps_up))
    return steps


@functools.lru_cache(maxsize=1)
def _neighbour_ids() -> tuple[frozenset[int], ...]:
    """For each class id, the ids of its near neighbours (not itself)."""
    lines = CLASSES_FILE.read_text(encoding="utf-8").splitlines()[1:]
    above = [_ancestors(line.split("\t")[1]) for line in lines]
    covered: dict[str, list[int]] = {}
    for class_id, steps in enumerate(above):
        for wordnet_id in steps:
            covered.setdefault(wordnet_id, []).append(class_id)
    neighbours = [set() for _ in above]
    for wordnet_id, classes in covered.items():
        if len(classes) <= NEIGHBOUR_GROUP_LIMIT:
            close = [class_id for class_id in classes if above[class_id][wordnet_id] <= NEIGHBOUR_STEPS]
            for class_id in close:
                neighbours[class_id].update(close)
    return tuple(frozenset(group - {class_id}) for class_id, group in enumerate(neighbours))


def near_neighbours(target: int | str) -> list[str]:
    """The classes that count as the same answer as `target` (a name or id), in id order; `target` not among them.

    Two classes are near neighbours when one WordNet word stands at most
    NEIGHBOUR_STEPS above each and covers at most NEIGHBOUR_GROUP_LIMIT of
    the 1000 classes: "Egyptian cat", "tabby" and "tiger cat" (each a
    "domestic cat"), "lemon" and "orange" (each a "citrus"). An attack that
    turns one into the other has not fooled the model (lib.attacks.fooled).
    """
    return [class_names()[class_id] for class_id in sorted(_neighbour_ids()[class_id_of(target)])]


def class_group(target: int | str) -> list[int]:
    """The ids of `target` (a name or id) and of its near neighbours, in id order: what counts as the same answer."""
    class_id = class_id_of(target)
    return sorted(_neighbour_ids()[class_id] | {class_id})


def same_or_near(first: int | str, second: int | str) -> bool:
    """Whether two classes (names or ids) are the same class or near neighbours (see `near_neighbours`)."""
    first, second = class_id_of(first), class_id_of(second)
    return first == second or second in _neighbour_ids()[first]


FIRST_DOG, LAST_DOG = "Chihuahua", "Mexican hairless"  # ImageNet's dog breeds run from the one to the other
DOG_BREEDS: tuple[str, ...] = class_names()[class_id_of(FIRST_DOG) : class_id_of(LAST_DOG) + 1]  # the 118 breeds


def is_dog(target: int | str) -> bool:
    """Whether a class (name or id) is one of ImageNet's 118 dog breeds (DOG_BREEDS)."""
    return class_name(target) in DOG_BREEDS
