"""Class names: the shipped list, lookups by name and id, helpful errors."""

import pytest

import lib


def test_the_list_has_1000_unique_names_in_imagenet_order():
    names = lib.class_names()
    assert len(names) == 1000 and len(set(names)) == 1000
    assert (names[0], names[284], names[340], names[967]) == ("tench", "Siamese cat", "zebra", "espresso")


@pytest.mark.parametrize("text, expected", [
    ("Siamese cat", 284), ("siamese cat", 284), ("  SIAMESE   cat ", 284), ("zebra", 340),
    ("tabby", 281), ("crane (bird)", 134), ("crane (machine)", 517), (284, 284), ("284", 284), (0, 0), (999, 999),
])
def test_lookup_by_name_or_id(text, expected):
    assert lib.class_id_of(text) == expected


def test_name_of_an_id():
    assert lib.class_name(284) == "Siamese cat"


def test_an_everyday_word_suggests_the_classes_it_means():
    with pytest.raises(ValueError) as error:
        lib.class_id_of("kitty")
    message = str(error.value)
    assert "'kitty' is not one of the 1000" in message
    assert "tabby" in message and "tiger cat" in message


def test_a_misspelling_suggests_the_closest_name():
    with pytest.raises(ValueError, match="Siamese cat"):
        lib.class_id_of("siamse cat")


def test_an_ambiguous_word_lists_both_classes():
    with pytest.raises(ValueError) as error:
        lib.class_id_of("crane")
    assert "crane (bird)" in str(error.value) and "crane (machine)" in str(error.value)


def test_search_classes_finds_every_cat():
    found = dict(lib.search_classes("cat"))
    assert {282, 283, 284, 285} <= set(found)


@pytest.mark.parametrize("first, second", [
    ("Egyptian cat", "tiger cat"), ("Egyptian cat", "tabby"), ("tabby", "tiger cat"), ("Siamese cat", "Persian cat"),
    ("lemon", "orange"), ("German shepherd", "collie"), ("goldfinch", "house finch"), ("Norfolk terrier", "cairn"),
])
def test_near_neighbours_share_a_narrow_word_one_step_above(first, second):
    assert lib.classes.same_or_near(first, second) and lib.classes.same_or_near(second, first)
    assert second in lib.classes.near_neighbours(first) and first in lib.classes.near_neighbours(second)


@pytest.mark.parametrize("first, second", [
    ("Egyptian cat", "lynx"),  # wild cats are two steps away
    ("pug", "dalmatian"),  # both directly "dog", which covers 118 classes: too broad
    ("German shepherd", "boxer"), ("German shepherd", "Chihuahua"), ("bald eagle", "kite"), ("goldfinch", "robin"),
    ("pot", "envelope"),  # both directly "container", 100 classes
    ("espresso", "cup"), ("zebra", "sorrel"), ("orange", "banana"),
])
def test_unlike_classes_are_not_near_neighbours(first, second):
    assert not lib.classes.same_or_near(first, second)


def test_no_group_lumps_a_whole_kind_together():
    sizes = [len(lib.classes.near_neighbours(class_id)) for class_id in range(1000)]
    assert max(sizes) < lib.classes.NEIGHBOUR_GROUP_LIMIT  # no class has all 118 dogs or 59 birds as neighbours
    assert sum(size == 0 for size in sizes) > 300  # most classes stand alone or with a few
    dogs = [class_id for class_id in range(lib.class_id_of("Chihuahua"), lib.class_id_of("Mexican hairless") + 1)]
    assert max(len(lib.classes.near_neighbours(dog)) for dog in dogs) < 20
    assert lib.classes.near_neighbours("Egyptian cat") == ["tabby", "tiger cat", "Persian cat", "Siamese cat"]
    assert lib.classes.near_neighbours(lib.class_id_of("lemon")) == ["orange"]
    assert lib.classes.class_group("lemon") == sorted([lib.class_id_of("lemon"), lib.class_id_of("orange")])
    assert lib.classes.class_group("zebra") == [340]


def test_near_neighbours_are_symmetric_and_never_the_class_itself():
    neighbours = lib.classes._neighbour_ids()  # by id: "Cardigan" (a corgi) and "cardigan" differ only in case
    for class_id in range(1000):
        assert class_id not in neighbours[class_id]
        assert all(class_id in neighbours[other] for other in neighbours[class_id])
        assert lib.classes.near_neighbours(class_id) == [lib.class_name(other) for other in sorted(neighbours[class_id])]
    assert lib.classes.same_or_near("zebra", "zebra") and lib.classes.same_or_near(340, "zebra")


def test_the_hierarchy_file_holds_every_class_and_every_word_above_it():
    hypernyms = lib.classes._hypernyms()
    wordnet_ids = [line.split("\t")[1] for line in lib.classes.CLASSES_FILE.read_text().splitlines()[1:]]
    assert set(wordnet_ids) <= set(hypernyms)
    assert all(set(above) <= set(hypernyms) for above in hypernyms.values())
    roots = [wordnet_id for wordnet_id, above in hypernyms.items() if not above]
    assert roots == ["n00001740"]  # "entity": every synset leads up to it
    assert all("n00001740" in lib.classes._ancestors(wordnet_id) for wordnet_id in wordnet_ids)


def test_a_bad_class_is_named_in_near_neighbours():
    with pytest.raises(ValueError, match="not one of the 1000"):
        lib.classes.near_neighbours("kitty")


def test_dog_breeds_are_the_118_imagenet_dogs():
    assert len(lib.classes.DOG_BREEDS) == 118
    assert lib.classes.DOG_BREEDS[0] == "Chihuahua" and lib.classes.DOG_BREEDS[-1] == "Mexican hairless"
    assert lib.classes.is_dog("malamute") and lib.classes.is_dog("borzoi") and lib.classes.is_dog(151)
    assert not any(lib.classes.is_dog(name) for name in ("tabby", "timber wolf", "hotdog"))
    with pytest.raises(ValueError, match="not one of the 1000"):
        lib.classes.is_dog("doggo")
