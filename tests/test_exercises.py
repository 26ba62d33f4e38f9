"""The exercise checkers: each accepts a right answer and turns wrong ones down with a friendly NotYet.

A check cell's call prints the feedback and returns a Verdict (`_accepted` reads it); the strict form,
`check.__wrapped__`, returns the "✓" lines or raises NotYet (`_refusal` reads its message).
"""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import lib
from lib import exercises
from lib.exercises import NotYet, Verdict

TARGET = "Siamese cat"


def _refusal(check, *args, **kwargs) -> str:
    """The message of the NotYet that `check(*args)` raises (the test fails if it raises nothing)."""
    with pytest.raises(NotYet) as raised:
        getattr(check, "__wrapped__", check)(*args, **kwargs)
    message = str(raised.value)
    assert raised.value._render_traceback_() == [message] and "Traceback" not in message
    return message


def _verdict(check, capsys, *args, **kwargs) -> Verdict:
    """What a check cell's call `check(*args)` returns, once it is clear that it printed that verdict's feedback."""
    verdict = check(*args, **kwargs)
    assert isinstance(verdict, Verdict) and verdict.name == check.__name__
    assert capsys.readouterr().out == verdict.feedback + "\n"
    assert verdict.score == (1.0 if verdict.passed else 0.0)
    return verdict


def _accepted(check, capsys, *args, **kwargs) -> str:
    """The feedback of a check cell's call that must pass: the "✓" lines it printed."""
    verdict = _verdict(check, capsys, *args, **kwargs)
    assert verdict.passed, verdict.feedback
    assert verdict.feedback.startswith("✓ ") and "✗" not in verdict.feedback
    return verdict.feedback


def test_a_check_cell_prints_its_verdict_and_never_raises(tiny_model, capsys):
    verdict = _verdict(exercises.check_ideal_image, capsys, tiny_model, None, TARGET)  # unfilled: Run All goes on
    assert not verdict.passed and verdict.feedback.startswith("Not done yet: fill in `result`")
    wrong = _verdict(exercises.check_ideal_image, capsys, tiny_model, np.full((8, 8, 3), 2.0, np.float32), TARGET)
    assert not wrong.passed and "outside [0, 1]" in wrong.feedback  # wrong: said, not raised


def test_a_verdict_is_short_and_adds_nothing_under_the_printed_feedback(tiny_model, capsys):
    verdict = exercises.check_ideal_image(tiny_model, None, TARGET)
    printed = capsys.readouterr().out
    assert repr(verdict) == "Verdict(check_ideal_image: not yet)" and str(verdict) == verdict.feedback
    assert verdict._ipython_display_() is None and capsys.readouterr().out == ""  # a cell ending in it: no echo
    assert printed == verdict.feedback + "\n"
    with pytest.raises(AttributeError):
        verdict.passed = True  # frozen: a grader reads it, nobody changes it


def _defended(image: np.ndarray) -> dict[str, np.ndarray]:
    """The image after JPEG at quality 50 and after a blur of 1 pixel, as the solution makes them."""
    defences = {"JPEG 50": lib.transforms.jpeg(50), "blur 1": lib.transforms.blur(1.0)}
    return {name: lib.attacks.transformed(image, defence)[0] for name, defence in defences.items()}


def _top_name(model, image) -> str:
    return lib.class_name(int(np.argmax(lib.predict(model, image))))


@pytest.fixture(scope="module")
def dog(lite0) -> np.ndarray:
    return lib.load_image(lib.data_path("dog.png"), size=lib.model_input_size(lite0))


@pytest.fixture(scope="module")
def dog_as_cat(lite0, dog) -> np.ndarray:
    """The dog, changed by at most 4/255 so that Lite0 says "Siamese cat"."""
    result = lib.optimise_image(lite0, lib.cross_entropy(TARGET), dog, epsilon=4 / 255, learning_rate=0.5 / 255,
                                num_steps=10, stop_at=None)
    assert result.top_k(1)[0][1] == TARGET
    return result.image


@pytest.fixture(scope="module")
def squeezenet():
    return lib.load_model("squeezenet1_1")


# --- NotYet, unfilled answers, tools ------------------------------------------------------------

def test_not_yet_is_not_an_assertion_error_and_jupyter_shows_only_its_message():
    error = NotYet("✗ p = 0.5 is below 0.9.")
    assert not isinstance(error, AssertionError)
    assert error._render_traceback_() == ["✗ p = 0.5 is below 0.9."]


@pytest.mark.parametrize("unfilled", [None, ...], ids=["None", "Ellipsis"])
def test_every_checker_says_not_done_yet_for_an_unfilled_answer(lite0, dog, dog_as_cat, squeezenet, unfilled):
    others = {"squeezenet1_1": squeezenet}
    calls = {
        "result": lambda: exercises.check_ideal_image.__wrapped__(lite0, unfilled, TARGET),
        "adversarial": lambda: exercises.check_untargeted_attack.__wrapped__(lite0, dog, unfilled, epsilon_255=2),
        "others": lambda: exercises.check_transfer.__wrapped__(lite0, unfilled, dog_as_cat, TARGET, unfilled, unfilled),
        "p_target": lambda: exercises.check_transfer.__wrapped__(lite0, others, dog_as_cat, TARGET, unfilled, unfilled),
        "fooled": lambda: exercises.check_transfer.__wrapped__(lite0, others, dog_as_cat, TARGET, {"squeezenet1_1": 0.0}, unfilled),
        "defended": lambda: exercises.check_defence.__wrapped__(lite0, dog_as_cat, TARGET, unfilled, unfilled),
        "smallest_255": lambda: exercises.check_smallest_budget.__wrapped__(lite0, dog, TARGET, unfilled),
        "tv_results": lambda: exercises.check_tv_weight.__wrapped__(lite0, TARGET, unfilled, unfilled),
    }
    for name, call in calls.items():
        assert _refusal(call) == (f"Not done yet: fill in `{name}` in the cell above (open the hint to see how to "
                                  "start), then run this cell again.")


def test_every_check_cell_returns_a_failing_verdict_for_an_unfilled_answer(tiny_model, capsys):
    photos, labels, layer = np.full((1, 8, 8, 3), 0.5, np.float32), [TARGET], tiny_model.layers[1].name  # its conv
    calls = {
        exercises.check_ideal_image: (tiny_model, None, TARGET),
        exercises.check_untargeted_attack: (tiny_model, None, None, 2),
        exercises.check_transfer: (tiny_model, None, None, TARGET, None, None),
        exercises.check_defence: (tiny_model, None, TARGET, None, None),
        exercises.check_smallest_budget: (tiny_model, None, TARGET, None),
        exercises.check_tv_weight: (tiny_model, TARGET, None, None),
        exercises.check_most_faithful: (None, None),
        exercises.check_hiding_square: (tiny_model, None),
        exercises.check_favourite_channel: (tiny_model, photos[0], layer, None, None),
        exercises.check_neuron_image: (tiny_model, layer, 0, None),
        exercises.check_blur_proof: (tiny_model, photos, labels, None),
        exercises.check_l2_attack: (tiny_model, photos, labels, photos, None, None),
    }
    assert len(calls) == len([name for name in exercises.__all__ if name.startswith("check_")])
    for check, args in calls.items():
        verdict = _verdict(check, capsys, *args)
        assert not verdict.passed and verdict.score == 0.0, check.__name__
        assert verdict.feedback.startswith("Not done yet: fill in `") or verdict.feedback.startswith("✗"), verdict


def test_the_tools_the_notebooks_use_are_handed_on_from_their_modules():
    """exercises.DOG_BREEDS, .resized, .fools...: the notebooks' names; tested in test_classes, test_images..."""
    assert exercises.DOG_BREEDS is lib.classes.DOG_BREEDS and exercises.is_dog is lib.classes.is_dog
    assert exercises.resized is lib.images.resized and exercises.cat_and_dog is lib.images.cat_and_dog
    assert exercises.total_variation_of is lib.objectives.total_variation_of
    assert exercises.fools is lib.attacks.fools
    assert all(hasattr(exercises, name) for name in exercises.__all__)


def test_resized_fits_another_models_size(squeezenet, dog):
    assert exercises.resized(dog, squeezenet).shape == (227, 227, 3)


# --- exercise 1: the ideal image ---------------------------------------------------------------

def test_ideal_image_accepts_a_result_and_its_image(lite0, capsys):
    result = lib.optimise_image(lite0, lib.cross_entropy(TARGET), num_steps=50)
    output = _accepted(exercises.check_ideal_image, capsys, lite0, result, TARGET)
    assert output.startswith("✓ the model is sure your image shows 'Siamese cat'")
    assert exercises.check_ideal_image.__wrapped__(lite0, result.image, TARGET) == output  # the strict form
    assert capsys.readouterr().out == ""  # which prints nothing


def test_ideal_image_with_too_few_steps_is_told_to_run_more_steps(lite0):
    short = lib.optimise_image(lite0, lib.cross_entropy(TARGET), num_steps=2)
    assert not short.reached and short.probability < 0.9
    message = _refusal(exercises.check_ideal_image, lite0, short, TARGET)
    assert "stopped too soon: after its 2 steps" in message and "more num_steps" in message
    assert "starting from noise" not in message


def test_ideal_image_refuses_noise_other_targets_and_bad_images(lite0, tiny_model):
    noise = lib.noise_image(224)
    assert "top class is" in _refusal(exercises.check_ideal_image, lite0, noise, TARGET)
    tabby = lib.optimise_image(tiny_model, lib.cross_entropy("tabby"), num_steps=5)
    assert "optimised for 'tabby'" in _refusal(exercises.check_ideal_image, tiny_model, tabby, TARGET)
    assert "0..255" in _refusal(exercises.check_ideal_image, lite0, noise * 255, TARGET)
    assert "uint8" in _refusal(exercises.check_ideal_image, lite0, lib.to_uint8(noise), TARGET)
    assert "100x100 pixels, but the model takes 224x224" in _refusal(
        exercises.check_ideal_image, lite0, lib.noise_image(100), TARGET)
    assert "shape (height, width, 3)" in _refusal(exercises.check_ideal_image, lite0, noise[..., 0], TARGET)
    assert "should be an image" in _refusal(exercises.check_ideal_image, lite0, "cat.png", TARGET)
    assert "outside [0, 1]" in _refusal(exercises.check_ideal_image, lite0, noise + 0.6, TARGET)
    assert "not one of the 1000 ImageNet class names" in _refusal(exercises.check_ideal_image, lite0, noise, "kitty")


def test_ideal_image_refuses_a_top_class_below_the_goal(tiny_model):
    unsure = lib.optimise_image(tiny_model, lib.cross_entropy(TARGET), num_steps=500, learning_rate=0.05, stop_at=0.5)
    assert 0.5 <= unsure.probability < 0.9  # the target is on top, but the model is not sure
    assert "is the top class, but p =" in _refusal(exercises.check_ideal_image, tiny_model, unsure, TARGET)


# --- exercise 2: anything but a dog -------------------------------------------------------------

@pytest.fixture(scope="module")
def no_dog(lite0, dog) -> np.ndarray:
    """The solution's untargeted attack: push down the total probability of every dog breed, within 2/255."""
    ids = tf.constant([lib.class_id_of(name) for name in exercises.DOG_BREEDS])

    def log_p_dog(logits, image):
        group = tf.reduce_logsumexp(tf.gather(logits, ids, axis=1), axis=1)
        return tf.reduce_mean(group - tf.reduce_logsumexp(logits, axis=1))

    return lib.optimise_image(lite0, lib.Objective(log_p_dog, "log p(any dog)"), dog, epsilon=2 / 255,
                              learning_rate=0.5 / 255, num_steps=20, stop_at=None).image


def test_untargeted_attack_accepts_an_image_no_dog_breed(lite0, dog, no_dog, capsys):
    output = _accepted(exercises.check_untargeted_attack, capsys, lite0, dog, no_dog, epsilon_255=2)
    assert "no dog breed" in output and "within the budget of 2/255" in output


def test_untargeted_attack_refuses_dogs_big_changes_and_bad_budgets(lite0, dog, no_dog):
    nudged = np.clip(dog + np.float32(1 / 255), 0, 1)  # within the budget, still the same dog
    assert "still says 'malamute'" in _refusal(exercises.check_untargeted_attack, lite0, dog, nudged, 2)
    assert "unchanged photo" in _refusal(exercises.check_untargeted_attack, lite0, dog, dog.copy(), 2)
    assert "more than the budget of 1/255" in _refusal(exercises.check_untargeted_attack, lite0, dog, no_dog, 1)
    assert "at most 16" in _refusal(exercises.check_untargeted_attack, lite0, dog, no_dog, 255)
    assert "should be a number" in _refusal(exercises.check_untargeted_attack, lite0, dog, no_dog, "2")
    cat = lib.load_image(lib.data_path("cat.png"), size=224)
    assert "should be the dog photo" in _refusal(exercises.check_untargeted_attack, lite0, cat, no_dog, 2)


def test_untargeted_attack_refuses_a_neighbouring_breed(lite0, dog):
    away_from_one = lib.optimise_image(lite0, -1 * lib.cross_entropy("malamute"), dog, epsilon=2 / 255,
                                       learning_rate=0.5 / 255, num_steps=20, stop_at=None)
    assert exercises.is_dog(away_from_one.top_k(1)[0][1])  # another breed
    message = _refusal(exercises.check_untargeted_attack, lite0, dog, away_from_one.image, 2)
    assert "and that is a dog too" in message and "push down the probability of all the breeds" in message


# --- exercise 3: transfer -------------------------------------------------------------------------

def _transfer_answers(others, adversarial):
    p_target, fooled = {}, {}
    for name, other in others.items():
        probabilities = lib.predict(other, exercises.resized(adversarial, other))
        p_target[name] = float(probabilities[lib.class_id_of(TARGET)])
        fooled[name] = lib.class_name(int(np.argmax(probabilities))) == TARGET
    return p_target, fooled


def test_transfer_accepts_measured_answers(lite0, squeezenet, dog_as_cat, capsys):
    others = {"squeezenet1_1": squeezenet}
    output = _accepted(exercises.check_transfer, capsys, lite0, others, dog_as_cat, TARGET,
                       *_transfer_answers(others, dog_as_cat))
    assert "the attack fools the model it was made on, efficientnet_lite0" in output
    assert "squeezenet1_1: top class" in output and "other models" in output


def test_transfer_refuses_wrong_answers(lite0, squeezenet, dog, dog_as_cat):
    others = {"squeezenet1_1": squeezenet}
    p_target, fooled = _transfer_answers(others, dog_as_cat)
    flipped = {name: not value for name, value in fooled.items()}

    def refusal(p_target=p_target, fooled=fooled, others=others, adversarial=dog_as_cat):
        return _refusal(exercises.check_transfer, lite0, others, adversarial, TARGET, p_target, fooled)

    assert "Fooled means: its top class is 'Siamese cat'" in refusal(fooled=flipped)
    assert "gives p(Siamese cat) =" in refusal(p_target={"squeezenet1_1": 0.5})
    assert "between 0 and 1" in refusal(p_target={"squeezenet1_1": 3.2})
    assert "no entry for 'squeezenet1_1'" in refusal(p_target={})
    assert "which are not among" in refusal(p_target={**p_target, "vgg16": 0.1})
    assert "True or False" in refusal(fooled={"squeezenet1_1": "no"})
    assert "should be a dict" in refusal(p_target=[0.0])
    assert "transfer means a different model" in refusal(others={"me": lite0})
    assert "should fool `model` itself" in refusal(adversarial=dog)


# --- exercise 4: defences -----------------------------------------------------------------------

def test_defence_accepts_measured_answers(lite0, dog_as_cat, capsys):
    defended = _defended(dog_as_cat)
    undone = {name: _top_name(lite0, image) != TARGET for name, image in defended.items()}
    output = _accepted(exercises.check_defence, capsys, lite0, dog_as_cat, TARGET, defended, undone)
    assert "✓ JPEG 50: the model says" in output and "of your 2 defences" in output


def test_defence_refuses_wrong_answers(lite0, dog, dog_as_cat):
    defended = _defended(dog_as_cat)
    undone = {name: _top_name(lite0, image) != TARGET for name, image in defended.items()}
    check = exercises.check_defence
    flipped = {name: not value for name, value in undone.items()}
    message = _refusal(check, lite0, dog_as_cat, TARGET, defended, flipped)
    assert "Undone means: the top class is no longer 'Siamese cat'" in message
    same = {"JPEG 50": dog_as_cat.copy(), "blur 1": defended["blur 1"]}
    assert "is the same as `adversarial`" in _refusal(check, lite0, dog_as_cat, TARGET, same, undone)
    noisy = {"JPEG 50": lib.noise_image(224), "blur 1": defended["blur 1"]}
    assert "no longer the same picture" in _refusal(check, lite0, dog_as_cat, TARGET, noisy, undone)
    in_255 = {name: image * 255 for name, image in defended.items()}
    assert "0..255" in _refusal(check, lite0, dog_as_cat, TARGET, in_255, undone)
    pil = {"JPEG 50": Image.fromarray(lib.to_uint8(defended["JPEG 50"])), "blur 1": defended["blur 1"]}
    assert "PIL image" in _refusal(check, lite0, dog_as_cat, TARGET, pil, undone)
    one = {"JPEG 50": defended["JPEG 50"]}
    assert "try at least 2" in _refusal(check, lite0, dog_as_cat, TARGET, one, {"JPEG 50": undone["JPEG 50"]})
    assert "no entry for 'blur 1'" in _refusal(check, lite0, dog_as_cat, TARGET, defended, {"JPEG 50": True})
    assert "should fool `model` itself" in _refusal(check, lite0, dog, TARGET, defended, undone)


# --- exercise 5: the smallest budget --------------------------------------------------------------

def test_fools_says_whether_a_short_attack_within_the_budget_succeeds(lite0, dog):
    assert lib.attacks.fools(lite0, dog, TARGET, 2)
    assert not lib.attacks.fools(lite0, dog, TARGET, 0.1)
    assert not lib.attacks.fools(lite0, dog, TARGET, 0)  # no change: the photo is a dog


@pytest.mark.parametrize("budget", [-1, 300, "2", True, None])
def test_fools_refuses_a_budget_that_is_not_levels_of_255(tiny_model, budget):
    with pytest.raises(ValueError, match="levels of 255"):
        lib.attacks.fools(tiny_model, lib.noise_image(8), TARGET, budget)


@pytest.fixture()
def threshold_045(monkeypatch):
    """`fools` as a step function: a budget fools exactly when it is at least 0.45/255."""
    monkeypatch.setattr(lib.exercises.lesson05, "fools",
                        lambda model, image, target, epsilon_255, num_steps=10: epsilon_255 >= 0.45)


def test_smallest_budget_accepts_an_answer_within_the_tolerance(lite0, dog, threshold_045, capsys):
    output = "".join(_accepted(exercises.check_smallest_budget, capsys, lite0, dog, TARGET, answer)
                     for answer in [0.45, 0.5, 0.69])
    assert "less than one level of 255" in output and "can't store a change that small" in output
    assert "can't even hold" not in output  # no praise for an attack a saved file would lose


@pytest.mark.parametrize("answer, message", [
    (0.3, "doesn't fool the model"),
    (0.001, "if you meant 0.001 in [0, 1] units"),
    (2.0, "but so does 1.75/255"),
    (0, "above 0"),
    (True, "should be a number"),
    ("0.5", "should be a number"),
])
def test_smallest_budget_refuses_wrong_answers(lite0, dog, threshold_045, answer, message):
    assert message in _refusal(exercises.check_smallest_budget, lite0, dog, TARGET, answer)


@pytest.mark.parametrize("setting, message", [
    ({"tolerance_255": 0}, "tolerance_255 must be a number in (0, 16], got 0"),
    ({"num_steps": 0}, "num_steps must be a whole number >= 1, got 0"),
])
def test_smallest_budget_refuses_bad_settings_as_a_value_error(tiny_model, setting, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("]", r"\]")):
        exercises.check_smallest_budget(tiny_model, lib.noise_image(8), TARGET, 0.5, **setting)


def test_smallest_budget_refuses_too_large_a_budget_with_the_real_attack(lite0, dog):
    assert "but so does 1.75/255" in _refusal(exercises.check_smallest_budget, lite0, dog, TARGET, 2.0)


# --- exercise 6: the TV weight ------------------------------------------------------------------

@pytest.fixture(scope="module")
def tv_runs(tiny_model) -> dict[float, np.ndarray]:
    """Three images of falling TV: the tiny model is sure of the first two, not of the third."""
    sure = lib.optimise_image(tiny_model, lib.cross_entropy(TARGET), num_steps=300, learning_rate=0.05,
                              stop_at=None, seed=3).image
    shares = {0.0: 1.0, 0.1: 0.6, 1.0: 0.2}  # weight -> how much of the image's contrast is left
    runs = {weight: (0.5 + share * (sure - 0.5)).astype(np.float32) for weight, share in shares.items()}
    probabilities = [lib.predict(tiny_model, image)[lib.class_id_of(TARGET)] for image in runs.values()]
    assert probabilities[0] >= 0.9 and probabilities[1] >= 0.9 and probabilities[2] < 0.9
    return runs


def test_tv_weight_accepts_the_smoothest_sure_image(tiny_model, tv_runs, capsys):
    output = _accepted(exercises.check_tv_weight, capsys, tiny_model, TARGET, tv_runs, 0.1)
    smoothest = float(tf.image.total_variation(tf.constant(tv_runs[0.1])))
    assert f"weight 0.1 gives the smoothest image (TV {smoothest:,.0f})" in output
    assert "a larger weight might be smoother still" not in output  # weight 1 was too strong


def test_tv_weight_refuses_runs_that_stopped_early(tiny_model, tv_runs):
    early = lib.optimise_image(tiny_model, lib.cross_entropy(TARGET), num_steps=300, learning_rate=0.05, seed=3)
    assert early.reached and early.num_steps < 300  # stop_at=0.9, the default, ended it early
    message = _refusal(exercises.check_tv_weight, tiny_model, TARGET, {**tv_runs, 0.01: early}, 0.1)
    assert f"stopped after {early.num_steps} steps" in message and "stop_at=None" in message


def test_tv_weight_refuses_wrong_choices_and_bad_runs(tiny_model, tv_runs):
    check = exercises.check_tv_weight
    assert "also keeps p >= 0.9" in _refusal(check, tiny_model, TARGET, tv_runs, 0.0)
    assert "the TV term won over the cross-entropy" in _refusal(check, tiny_model, TARGET, tv_runs, 1.0)
    assert "is not one of the weights you tried" in _refusal(check, tiny_model, TARGET, tv_runs, 0.5)
    assert "try at least 3 TV weights" in _refusal(check, tiny_model, TARGET, {0.1: tv_runs[0.1]}, 0.1)
    unsure = {weight: tv_runs[1.0] for weight in (1.0, 2.0, 3.0)}
    assert "No weight you tried keeps" in _refusal(check, tiny_model, TARGET, unsure, 1.0)
    assert "numbers 0 or more" in _refusal(check, tiny_model, TARGET, {**tv_runs, -1.0: tv_runs[0.1]}, 0.1)
    assert "should be a dict" in _refusal(check, tiny_model, TARGET, list(tv_runs.values()), 0.1)


# --- lesson 07 ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def coffee_curves(lite0):
    """Real deletion curves of the coffee photo (4 steps each): two real maps, three made-up ones, and random order."""
    from lib import attribution

    coffee = lib.load_image(lib.data_path("coffee.png"), size=224)
    target = attribution.top_class(lite0, coffee)
    rng = np.random.default_rng(0)
    maps = {"gradient": lib.explain(lite0, coffee, target, "gradient"),
            "gradcam": lib.explain(lite0, coffee, target, "gradcam"),
            "smoothgrad": rng.random((224, 224)), "integrated_gradients": rng.random((224, 224)),
            "occlusion": rng.random((224, 224)), "random": None}
    return {name: lib.deletion_curve(lite0, coffee, target, importance, steps=4) for name, importance in maps.items()}


def test_most_faithful_accepts_the_lowest_area_and_says_whether_it_beats_random(coffee_curves, capsys):
    areas = {name: curve.area for name, curve in coffee_curves.items() if name != "random"}
    best = min(areas, key=areas.get)
    printed = _accepted(exercises.check_most_faithful, capsys, coffee_curves, best)
    assert printed.startswith(f"✓ {best}'s map is the most faithful") and "random order" in printed


def test_most_faithful_takes_several_random_orders_and_compares_with_their_mean(coffee_curves, lite0, capsys):
    areas = {name: curve.area for name, curve in coffee_curves.items() if name != "random"}
    best = min(areas, key=areas.get)
    coffee = lib.load_image(lib.data_path("coffee.png"), size=224)
    orders = [coffee_curves["random"], lib.deletion_curve(lite0, coffee, coffee_curves["random"].target, None, steps=4,
                                                           seed=12345)]
    printed = _accepted(exercises.check_most_faithful, capsys, {**coffee_curves, "random": orders}, best)
    mean = np.mean([curve.area for curve in orders])
    assert f"random order (mean area of 2 orders {mean:.3f})" in printed
    assert "empty list" in _refusal(exercises.check_most_faithful, {**coffee_curves, "random": []}, best)
    assert "(or a list of them)" in _refusal(exercises.check_most_faithful, {**coffee_curves, "random": [orders[0], 0.2]},
                                             best)
    dog = lib.load_image(lib.data_path("dog.png"), size=224)
    other = [orders[0], lib.deletion_curve(lite0, dog, orders[0].target, None, steps=4)]
    assert "same photo and class" in _refusal(exercises.check_most_faithful, {**coffee_curves, "random": other}, best)


def test_most_faithful_refuses_wrong_answers(coffee_curves, lite0):
    areas = {name: curve.area for name, curve in coffee_curves.items() if name != "random"}
    worst = max(areas, key=areas.get)
    assert "falls faster" in _refusal(exercises.check_most_faithful, coffee_curves, worst)
    assert "should be one of" in _refusal(exercises.check_most_faithful, coffee_curves, "grad-cam")
    missing = {name: curve for name, curve in coffee_curves.items() if name != "random"}
    assert "no entry for 'random'" in _refusal(exercises.check_most_faithful, missing, "gradcam")
    dog = lib.load_image(lib.data_path("dog.png"), size=224)
    other_photo = {**coffee_curves, "occlusion": lib.deletion_curve(lite0, dog, coffee_curves["random"].target, None, steps=4)}
    assert "same photo and class" in _refusal(exercises.check_most_faithful, other_photo, "gradcam")
    assert "should be what lib.deletion_curve" in _refusal(exercises.check_most_faithful, {**coffee_curves, "gradcam": 0.1}, "gradcam")
    assert "Not done yet: fill in `answer`" in _refusal(exercises.check_most_faithful, coffee_curves, None)


def test_hiding_square_accepts_the_smallest_square_found(lite0, capsys):
    size, top, left = exercises.HIDING_SMALLEST_FOUND
    printed = _accepted(exercises.check_hiding_square, capsys, lite0, (top, left, size))
    assert printed.startswith(f"✓ a {size}-pixel grey square") and "a dog breed" in printed and "matched or beat" in printed


@pytest.mark.parametrize("square, message", [
    (None, "Not done yet: fill in `square`"),
    ((0, 0, 100), "more than 80 pixels"),
    ((0, 0, 40), "not a dog breed"),  # a corner of grey: the cat is still there
    ((200, 200, 64), "top must be a whole number of pixels from 0 to 160, got 200"),
    ((10, 10), "three whole numbers"),
    ((10.0, 10, 40), "three whole numbers"),
])
def test_hiding_square_refuses_wrong_answers(lite0, square, message):
    assert message in _refusal(exercises.check_hiding_square, lite0, square)


# --- lesson 08 ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dog_favourite(lite0, dog) -> int:
    return int(np.argmax(lib.activations(lite0, dog, "block14").mean(axis=(0, 1))))


def test_favourite_channel_accepts_the_dogs_channel_and_its_image(lite0, dog, dog_favourite, capsys):
    image = lib.ideal_image(lite0, lib.channel("block14", dog_favourite), "fourier", num_steps=64)
    printed = _accepted(exercises.check_favourite_channel, capsys, lite0, dog, "block14", dog_favourite, image)
    assert printed.startswith(f"✓ channel {dog_favourite} of block14 is the dog photo's favourite") and "times as much" in printed


def test_favourite_channel_refuses_wrong_answers(lite0, dog, dog_favourite):
    other = (dog_favourite + 1) % 192
    assert "but channel" in _refusal(exercises.check_favourite_channel, lite0, dog, "block14", other, dog)
    assert "from 0 to 191" in _refusal(exercises.check_favourite_channel, lite0, dog, "block14", 192, dog)
    assert "Not done yet: fill in `dog_visualisation`" in _refusal(exercises.check_favourite_channel, lite0, dog,
                                                                    "block14", dog_favourite, None)
    assert "not yet 2 times the dog photo's" in _refusal(exercises.check_favourite_channel, lite0, dog, "block14",
                                                         dog_favourite, dog)  # the photo itself


def test_neuron_image_accepts_a_neuron_and_refuses_a_channel(lite0, capsys):
    neuron = lib.ideal_image(lite0, lib.neuron("block10", 33), "fourier", num_steps=64)
    printed = _accepted(exercises.check_neuron_image, capsys, lite0, "block10", 33, neuron)
    assert printed.startswith("✓ the feature sits in the middle: channel 33 of block10")
    everywhere = lib.ideal_image(lite0, lib.channel("block10", 33), "fourier", num_steps=64)
    assert "Use lib.neuron('block10', 33)" in _refusal(exercises.check_neuron_image, lite0, "block10", 33, everywhere)
    assert "Did you mean 'block10'" in _refusal(exercises.check_neuron_image, lite0, "blok10", 33, everywhere)


# --- lesson 09 ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def three_photos(lite0):
    images = np.stack([lib.load_image(lib.data_path(name)) for name in ("cat.png", "dog.png", "coffee.png")])
    return images, [int(np.argmax(lib.predict(lite0, image))) for image in images]


def test_blur_proof_accepts_an_attack_made_through_the_blur(lite0, three_photos, capsys):
    images, labels = three_photos
    blur_proof = lib.attack(lite0, images, labels, "eot", 2, then=lib.transforms.blur(1.0), steps=40).images
    printed = _accepted(exercises.check_blur_proof, capsys, lite0, images, labels, blur_proof)
    assert printed.startswith("✓ every value within") and "after the blur, the model is still fooled on" in printed


def test_blur_proof_refuses_the_photos_big_changes_and_wrong_shapes(lite0, three_photos):
    images, labels = three_photos
    assert "fool the model on 0 of the 2 photos that the blur alone leaves right; at least 2 are needed" in _refusal(
        exercises.check_blur_proof, lite0, images, labels, images.copy())
    assert "more than the budget of 2/255" in _refusal(
        exercises.check_blur_proof, lite0, images, labels, np.clip(images + 3 / 255, 0, 1))
    assert "has shape (2, 224, 224, 3), but the photos it attacks have shape (3, 224, 224, 3)" in _refusal(
        exercises.check_blur_proof, lite0, images, labels, images[:2])
    assert "of floats in [0, 1]" in _refusal(exercises.check_blur_proof, lite0, images, labels, (images * 255).astype(np.uint8))
    assert "Not done yet: fill in `blur_proof`" in _refusal(exercises.check_blur_proof, lite0, images, labels, None)


def test_l2_attack_accepts_a_short_change_that_fools_as_often_as_fgsm(lite0, three_photos, capsys):
    images, labels = three_photos
    fast = lib.fgsm(lite0, images, labels, 2)
    assert lib.attacks.fooled(lite0, fast, labels).sum() >= 1
    l2_attack = lib.pgd(lite0, images, labels, 128, norm="l2")
    printed = _accepted(exercises.check_l2_attack, capsys, lite0, images, labels, fast, l2_attack, 128)
    assert printed.startswith("✓ every change at most 128/255 long (L2), a quarter or less of FGSM's") and "its largest single change" in printed


def test_l2_attack_refuses_long_changes_weak_attacks_and_bad_budgets(lite0, three_photos):
    images, labels = three_photos
    fast = lib.fgsm(lite0, images, labels, 2)
    assert "more than `l2_budget` = 8" in _refusal(
        exercises.check_l2_attack, lite0, images, labels, fast, lib.pgd(lite0, images, labels, 64, norm="l2"), 8)
    long = lib.pgd(lite0, images, labels, 250, norm="l2")
    assert "more than a quarter of FGSM's" in _refusal(exercises.check_l2_attack, lite0, images, labels, fast, long, 250)
    assert "FGSM at 2/255 on" in _refusal(exercises.check_l2_attack, lite0, images, labels, fast, images.copy(), 16)
    assert "from 0 to 255; got 300" in _refusal(exercises.check_l2_attack, lite0, images, labels, fast, images, 300)
    assert "Not done yet: fill in `l2_budget`" in _refusal(exercises.check_l2_attack, lite0, images, labels, fast, images, None)
    assert "Not done yet: fill in `l2_attack`" in _refusal(exercises.check_l2_attack, lite0, images, labels, fast, None, 64)
