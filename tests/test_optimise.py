"""The optimisation loop: compiled, bounded, seeded, early-stopping, interruptible."""

import numpy as np
import pytest

import lib


def _run(model, **settings):
    settings.setdefault("num_steps", 30)
    return lib.optimise_image(model, lib.cross_entropy("Siamese cat"), **settings)


@pytest.mark.parametrize("method", ["adam", "gd", "sign"])
def test_each_method_lowers_the_loss_and_keeps_pixels_valid(tiny_model, method):
    result = _run(tiny_model, method=method, stop_at=None)
    assert result.losses[-1] < result.losses[0]
    assert result.image.shape == (8, 8, 3) and 0.0 <= result.image.min() and result.image.max() <= 1.0
    assert result.num_steps == 30 and len(result.losses) == 31


def test_same_seed_same_result_other_seed_other_result(tiny_model):
    first, again, other = _run(tiny_model, seed=1), _run(tiny_model, seed=1), _run(tiny_model, seed=2)
    assert np.array_equal(first.image, again.image) and first.losses == again.losses
    assert not np.array_equal(first.image, other.image)


def test_linf_budget_is_kept(tiny_model):
    start = lib.noise_image(8, seed=5)
    result = _run(tiny_model, image=start, epsilon=2 / 255, learning_rate=0.05, stop_at=None)
    assert np.abs(result.image - start).max() <= 2 / 255 + 1e-6
    assert result.linf_255 == pytest.approx(2.0, abs=1e-3)  # the budget is used up
    assert result.l2_255 == pytest.approx(float(np.sqrt(np.sum((result.image - start) ** 2)) * 255), rel=1e-6)


def test_stops_early_once_the_target_is_reached(tiny_model):
    result = _run(tiny_model, num_steps=500, learning_rate=0.05, stop_at=0.5)
    assert result.reached and result.num_steps < 500
    assert result.probability >= 0.5 and result.target_probabilities[-1] == pytest.approx(result.probability)
    assert all(p < 0.5 for p in result.target_probabilities[:-1])


def test_runs_every_step_without_early_stop(tiny_model):
    assert _run(tiny_model, num_steps=40, learning_rate=0.05, stop_at=None).num_steps == 40


def test_callback_sees_progress(tiny_model):
    seen = []
    _run(tiny_model, num_steps=10, stop_at=None, callback=seen.append, callback_every=5)
    assert [p.step for p in seen] == [0, 5, 10]
    assert [p.stop_reason for p in seen] == [None, None, "finished"]
    assert seen[0].image.shape == (8, 8, 3) and 0.0 <= seen[-1].probability <= 1.0


def test_an_interruption_keeps_the_best_image(tiny_model):
    seen = []

    def press_ctrl_c(progress):
        seen.append(progress)
        if progress.step == 7:
            raise KeyboardInterrupt  # also when told of the end: a second Ctrl-C still returns the result

    result = _run(tiny_model, num_steps=100, stop_at=None, learning_rate=0.05, callback=press_ctrl_c)
    assert result.interrupted and result.num_steps == 7
    assert seen[-1].stop_reason == "interrupted" and seen[-1].step == 7 and seen[-2].stop_reason is None
    assert result.losses[-1] < result.losses[0]
    assert not np.array_equal(result.image, result.start_image)


def test_each_call_starts_a_fresh_optimiser(tiny_model):
    """The original notebook shared one optimiser between runs; here two runs are identical."""
    assert _run(tiny_model).losses == _run(tiny_model).losses


def test_the_step_is_compiled(tiny_model):
    image = lib.noise_image(8)[None]
    import tensorflow as tf

    variable = tf.Variable(image)
    step = lib.make_step(tiny_model, lib.cross_entropy("zebra"), variable, tf.constant(image))
    for _ in range(3):
        step()
    assert step.experimental_get_tracing_count() == 1


def test_real_model_naive_ideal_cat_reaches_090_from_noise(lite0):
    result = lib.optimise_image(lite0, lib.cross_entropy("Siamese cat"), num_steps=200)
    assert result.reached and result.probability >= 0.9
    assert result.probabilities.argmax() == 284 and result.num_steps <= 100


def test_real_model_dog_becomes_a_cat_within_4_of_255(lite0):
    dog = lib.load_image(lib.data_path("dog.png"))
    assert 151 <= lib.predict(lite0, dog).argmax() <= 268
    result = lib.optimise_image(lite0, "Siamese cat", dog, learning_rate=1 / 255, epsilon=4 / 255)
    assert result.reached and result.probabilities.argmax() == 284 and result.probability >= 0.9
    assert result.linf_255 <= 4.0 + 1e-3


def test_step_times_are_recorded_without_the_tracing(tiny_model):
    result = _run(tiny_model, num_steps=10, stop_at=None)
    assert len(result.step_seconds) == 11
    assert result.seconds_per_step <= result.step_seconds[0]  # the first step also compiles


def test_gradient_of_takes_numpy_too(tiny_model):
    image = lib.noise_image(8)[None]
    loss, logits, gradient = lib.gradient_of(tiny_model, lib.cross_entropy("zebra"), image)
    assert gradient.shape == (1, 8, 8, 3) and logits.shape == (1, 1000)


def test_a_repeated_run_reuses_its_compiled_step_and_gives_a_fresh_steps_result(tiny_model):
    """Same model, objective and transforms objects: traced once; new start, Adam and draws as a fresh step's."""
    from lib import compiled, transforms
    objective, jitter = lib.logit("zebra"), transforms.jitter(2)
    settings = dict(num_steps=15, stop_at=None, transforms=jitter, parameterisation="fourier", learning_rate=0.05)
    first = lib.optimise_image(tiny_model, objective, seed=1, **settings)
    step = compiled.entries(tiny_model, "optimise")[-1][0]
    other = lib.optimise_image(tiny_model, objective, seed=2, **settings)
    again = lib.optimise_image(tiny_model, objective, seed=1, **settings)
    assert compiled.entries(tiny_model, "optimise")[-1][0] is step and step.experimental_get_tracing_count() == 1
    fresh = lib.optimise_image(tiny_model, lib.logit("zebra"), seed=1, **{**settings, "transforms": transforms.jitter(2)})
    assert np.allclose(again.image, first.image, atol=1e-6) and np.allclose(fresh.image, first.image, atol=1e-6)
    assert np.allclose(again.losses, first.losses, rtol=1e-5) and not np.allclose(other.image, first.image)
    pixels = [lib.optimise_image(tiny_model, objective, image=lib.noise_image(8, seed=k), num_steps=5, stop_at=None)
              for k in (3, 4, 3)]
    assert np.allclose(pixels[0].start_image, lib.noise_image(8, seed=3)) and np.allclose(pixels[2].image, pixels[0].image)
