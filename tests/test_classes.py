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
