"""seecat side by side with the libraries a user would otherwise pick: the benchmark's peers section.

    python bench/run.py --peers     # this section alone (about 12 minutes on a 2-core CPU)

The peers install from bench/requirements-peers.txt (for the benchmark only: students never need them):

    tf-keras-vis   ActivationMaximization, Saliency (the gradient), Gradcam
    saliency       PAIR's framework-agnostic core: IntegratedGradients, GradCam
    foolbox        TensorFlowModel and LinfPGD

Each runs on seecat's own model (efficientnet_lite0, images in [0, 1], logits out), with the same classes, photos,
steps and budgets as seecat, in the same process, and each figure is also a ratio to seecat's. Three tables:
ideal images (seconds per step, steps to p >= 0.9, the judges' agreement), attribution maps (seconds per map and
how well the two maps of one method agree), attacks (how many photos are fooled, and in how many seconds).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import statistics
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from common import LITE0
from quality import GALLERY, JUDGES

import lib
from lib import attribution, layers
from lib.attacks import PGD_STEP_SHARE, fooled
from lib.models import predict_batch
from lib.timing import median_ms, timed

MODEL = LITE0
PEERS = {"tf_keras_vis": "tf-keras-vis", "saliency": "saliency", "foolbox": "foolbox"}  # module -> package
INSTALL = "pip install --no-deps -r bench/requirements-peers.txt"
RECIPES = ("naive", "tv", "fourier")
LABELS = {recipe: f'seecat "{recipe}"' for recipe in RECIPES}  # each maker as the table names it
PEER_LABEL = "tf-keras-vis ActivationMaximization"
GOAL = 0.9  # "steps to p >= 0.9"
# tf-keras-vis's defaults are tuned for VGG16's 0-255 inputs (its docstring says so): RMSprop at learning rate 1.0,
# total variation weight 1.0, L1 norm weight 0.3, jitter 4 px, rotation 1 degree. In [0, 1] pixel units the same
# optimisation takes steps 255x smaller, and both regularisers (linear in the pixel values) weigh 255x more.
PIXEL_SCALE = 255.0


@dataclass(frozen=True)
class Plan:
    """What the section measures; the defaults are the full run, the smoke test shrinks them."""

    classes: tuple[str, ...] = tuple(GALLERY)  # the README's ten classes
    num_steps: int | None = None  # None: each recipe's own steps, peer_steps for tf-keras-vis; else for every maker
    peer_steps: int = 256  # tf-keras-vis's steps: the most a recipe takes (fourier's), as in the agreement table
    timing_steps: int = 16  # seconds per step: each maker's batch-1 runs of this many steps,
    timing_rounds: int = 3  # this many of them, taken in turns
    photos: tuple[str, ...] = ("cat.png", "dog.png")  # attribution's photos, in data/
    ig_steps: int = 64  # integrated gradients' steps (lib.explain's default)
    repeats: int = 5  # seconds per map: the median of this many calls, after one warm-up call
    budgets_255: tuple[float, ...] = (0.5, 1, 2, 4)  # attacks' L-inf budgets, in levels of 255
    attack_steps: int = 20
    attack_photos: int | None = None  # None: the whole photo set (13 photos)


def missing_peers() -> list[str]:
    """The peers' packages that are not installed (empty when all are)."""
    return [package for module, package in PEERS.items() if importlib.util.find_spec(module) is None]


def versions() -> str:
    """"tf-keras-vis 0.8.7, saliency 0.2.1, foolbox 3.3.4": the installed peers."""
    return ", ".join(f"{package} {importlib.metadata.version(package)}" for package in PEERS.values())


def ratio(peer: float, ours: float) -> str:
    """The peer's figure over seecat's, "5.8x"; a dash when either is missing or seecat's is 0."""
    return f"{peer / ours:.1f}x" if np.isfinite(peer) and np.isfinite(ours) and ours > 0 else "—"


@dataclass
class Made:
    """One maker's ideal images of the classes."""

    images: np.ndarray  # float32 [classes, h, w, 3] in [0, 1]
    probabilities: list[list[float]]  # per class, p(target) before each update, as the maker's loop scored it
    final: list[float]  # per class, p(target) of the finished image, untransformed
    steps_run: str  # how many steps it ran, e.g. "<= 200, stops at p >= 0.9"


def first_step(probabilities: list[float]) -> float:
    """How many updates it took to reach p >= GOAL: the first step scoring it; inf if none did."""
    return next((float(step) for step, p in enumerate(probabilities) if p >= GOAL), float("inf"))


def seecat_ideal(model, recipe: str, classes: tuple[str, ...], num_steps: int | None) -> Made:
    """lib.ideal_image with one recipe, one class at a time."""
    results = [lib.ideal_image(model, target, recipe, num_steps=num_steps) for target in classes]
    steps = lib.recipes.recipe_settings(recipe, classes[0])["num_steps"] if num_steps is None else num_steps
    return Made(np.stack([result.image for result in results]), [result.target_probabilities for result in results],
                [result.probability for result in results],
                f"<= {steps}, stops at p >= 0.9" if recipe == "naive" else str(steps))


def peer_settings(seed: int = 0) -> dict:
    """tf-keras-vis's defaults translated to [0, 1] inputs (see PIXEL_SCALE), its random moves seeded; a new
    optimiser for every call."""
    from tf_keras_vis.activation_maximization.input_modifiers import Jitter, Rotate2D
    from tf_keras_vis.activation_maximization.regularizers import Norm, TotalVariation2D

    np.random.seed(seed)  # Jitter draws from NumPy's global generator
    rotate = Rotate2D(degree=1)
    rotate.random_generator = np.random.default_rng(seed)  # its own generator, unseeded by default
    return {"input_range": (0.0, 1.0), "input_modifiers": [Jitter(jitter=4), rotate],
            "optimizer": tf.keras.optimizers.RMSprop(1.0 / PIXEL_SCALE, rho=0.999),
            "regularizers": [TotalVariation2D(weight=1.0 * PIXEL_SCALE), Norm(weight=0.3 * PIXEL_SCALE, p=1)]}


def peer_maximise(model, classes: tuple[str, ...], num_steps: int, callback) -> np.ndarray:
    """tf-keras-vis's ActivationMaximization of each class's logit from seecat's start (lib.noise_image, seed 0).

    Several classes go in one batch, its documented way to make several
    (each image is scored on its own class; one jitter per step for all).
    callback(step, values, grads, scores, model_outputs, **kwargs) is
    called after each step. Returns float32 [classes, h, w, 3] in [0, 1].
    """
    from tf_keras_vis.activation_maximization import ActivationMaximization
    from tf_keras_vis.utils.scores import CategoricalScore

    start = lib.noise_image(lib.model_input_size(model), seed=0)
    images = ActivationMaximization(model)(CategoricalScore([lib.class_id_of(name) for name in classes]),
                                           seed_input=np.stack([start] * len(classes)), steps=num_steps,
                                           callbacks=[as_peer_callback(callback)], **peer_settings())
    return np.asarray(images)


def as_peer_callback(function):
    """A tf-keras-vis callback that calls `function` after each step."""
    from tf_keras_vis.activation_maximization.callbacks import Callback

    class Calling(Callback):
        def __call__(self, *args, **kwargs):
            function(*args, **kwargs)

    return Calling()


def peer_ideal(model, classes: tuple[str, ...], num_steps: int) -> Made:
    """tf-keras-vis's images of the classes, made in one batch, and p(target) at each step as its loop scored it."""
    ids = [lib.class_id_of(name) for name in classes]
    probabilities = []  # [steps][classes]

    def record(step, values, grads, scores, model_outputs, **kwargs):
        probabilities.append(tf.nn.softmax(model_outputs[0]).numpy()[np.arange(len(ids)), ids])

    images = peer_maximise(model, classes, num_steps, record)
    final = predict_batch(model, images)[np.arange(len(ids)), ids]
    return Made(images, np.array(probabilities).T.tolist(), final.tolist(), str(num_steps))


def step_seconds(model, target: str, num_steps: int, rounds: int) -> dict[str, float]:
    """Seconds per step at batch 1 of each recipe and of tf-keras-vis: `rounds` runs of `num_steps` each, taken in
    turns so that a change in the machine's load touches all alike; the median time between consecutive steps."""
    gaps = {label: [] for label in (*LABELS.values(), PEER_LABEL)}
    for _ in range(rounds):
        for recipe in RECIPES:
            stamps, settings = [], lib.recipes.recipe_settings(recipe, target, model_name=model.name)
            lib.optimise_image(model, settings.pop("objective"), target=target,
                               **{**settings, "num_steps": num_steps, "stop_at": None},  # naive's too runs every step
                               callback=lambda progress: stamps.append(time.perf_counter()))
            gaps[LABELS[recipe]] += np.diff(stamps).tolist()  # the first step, which compiles, comes before the first stamp
        stamps = []
        peer_maximise(model, (target,), num_steps, lambda *args, **kwargs: stamps.append(time.perf_counter()))
        gaps[PEER_LABEL] += np.diff(stamps).tolist()
    return {label: statistics.median(values) for label, values in gaps.items()}


def agreement(judge, made: Made, classes: tuple[str, ...]) -> int:
    """How many of the images `judge` puts in its top 5 for their class."""
    return sum(lib.second_opinion(judge, image, target).agrees for image, target in zip(made.images, classes))


def median_steps(made: Made) -> float:
    """The median over the classes of the steps to p >= GOAL (inf when most never got there)."""
    return float(np.median([first_step(probabilities) for probabilities in made.probabilities]))


def ideal_rows(model, judges: list, plan: Plan) -> list[str]:
    """seecat's naive, tv and fourier recipes against tf-keras-vis's ActivationMaximization, on the same classes."""
    seconds = step_seconds(model, plan.classes[0], plan.timing_steps, plan.timing_rounds)
    makers = {LABELS[recipe]: seecat_ideal(model, recipe, plan.classes, plan.num_steps) for recipe in RECIPES}
    makers[PEER_LABEL] = peer_ideal(model, plan.classes, plan.num_steps or plan.peer_steps)
    peer, count = makers[PEER_LABEL], len(plan.classes)
    rows = ["| maker | steps run | s / step | tf-keras-vis ÷ this | steps to p >= 0.9, median (reached) | "
            "tf-keras-vis ÷ this | final p, median | " + " | ".join(f"judge {judge.name}" for judge in judges) + " |",
            "|---" * (7 + len(judges)) + "|"]
    for label, made in makers.items():
        steps = median_steps(made)
        reached = sum(np.isfinite(first_step(probabilities)) for probabilities in made.probabilities)
        is_peer = label == PEER_LABEL
        rows.append(f"| {label} | {made.steps_run} | {seconds[label]:.3f} | "
                    f"{'—' if is_peer else ratio(seconds[PEER_LABEL], seconds[label])} | "
                    f"{'never' if not np.isfinite(steps) else f'{steps:.0f}'} ({reached}/{count}) | "
                    f"{'—' if is_peer else ratio(median_steps(peer), steps)} | {statistics.median(made.final):.3f} | "
                    + " | ".join(f"{agreement(judge, made, plan.classes)}/{count}" for judge in judges) + " |")
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def pair_call_model(model, layer: str):
    """PAIR's call-model function for `model`: gradients of the target's logit (compiled, as seecat's are).

    PAIR's core leaves the model to the caller: this function is the whole
    of the framework's part, so it is written as seecat writes its own.
    """
    import saliency.core as saliency

    features = layers.feature_model(model, (layer,))  # images -> [the layer's values, logits]

    @tf.function(reduce_retracing=True)
    def input_gradients(images, class_id):
        with tf.GradientTape() as tape:
            tape.watch(images)
            _, logits = features(images, training=False)
            score = logits[:, class_id]
        return tape.gradient(score, images)

    @tf.function(reduce_retracing=True)
    def layer_gradients(images, class_id):
        with tf.GradientTape() as tape:
            values, logits = features(images, training=False)
            score = logits[:, class_id]
        return values, tape.gradient(score, values)

    def call_model(images, call_model_args=None, expected_keys=None):
        images, class_id = tf.constant(images, tf.float32), tf.constant(call_model_args["class_id"])
        if expected_keys == [saliency.INPUT_OUTPUT_GRADIENTS]:
            return {saliency.INPUT_OUTPUT_GRADIENTS: input_gradients(images, class_id).numpy()}
        values, gradients = layer_gradients(images, class_id)
        return {saliency.CONVOLUTION_LAYER_VALUES: values.numpy(), saliency.CONVOLUTION_OUTPUT_GRADIENTS: gradients.numpy()}

    return call_model


def peer_maps(model, image: np.ndarray, class_id: int, plan: Plan) -> list[tuple]:
    """(method, seecat's method and settings, peer, the peer's map function, its map before upsampling or None).

    Each peer's map is reduced to [h, w] as lib.explain reduces the same
    method: integrated gradients |sum over the colours| (PAIR returns
    [h, w, 3]), the gradient max over the colours of |gradient| (so does
    tf-keras-vis). Grad-CAM reads seecat's layer, lib.layers.last_feature_layer
    (tf-keras-vis, told not to look for a convolution before it).
    """
    import saliency.core as saliency
    from tf_keras_vis.gradcam import Gradcam
    from tf_keras_vis.saliency import Saliency
    from tf_keras_vis.utils.scores import CategoricalScore

    layer = layers.last_feature_layer(model).name
    call_model, arguments = pair_call_model(model, layer), {"class_id": class_id}
    score, batch = CategoricalScore(class_id), image[None]
    gradcam, gradient = Gradcam(model), Saliency(model)

    def pair_ig():
        attributions = saliency.IntegratedGradients().GetMask(image, call_model, arguments, x_baseline=np.zeros_like(image),
                                                             x_steps=plan.ig_steps, batch_size=8)
        return np.abs(attributions.sum(axis=-1))

    def pair_gradcam(resize: bool = True):
        return saliency.GradCam().GetMask(image, call_model, arguments, should_resize=resize, three_dims=False)

    def peer_gradcam(expand: bool = True):
        return np.asarray(gradcam(score, batch, penultimate_layer=layer, seek_penultimate_conv_layer=False,
                                  expand_cam=expand))[0]

    return [("integrated gradients", ("integrated_gradients", {"steps": plan.ig_steps}), "PAIR saliency", pair_ig, None),
            ("Grad-CAM", ("gradcam", {}), "PAIR saliency", pair_gradcam, lambda: pair_gradcam(resize=False)),
            ("gradient", ("gradient", {}), "tf-keras-vis Saliency", lambda: np.asarray(gradient(score, batch))[0], None),
            ("Grad-CAM", ("gradcam", {}), "tf-keras-vis Gradcam", peer_gradcam, lambda: peer_gradcam(expand=False))]


def resized_as_seecat(feature_map: np.ndarray, size: int) -> np.ndarray:
    """A [h', w'] map upsampled to [size, size] as seecat's Grad-CAM upsamples (bilinear, tf.image.resize)."""
    return tf.image.resize(feature_map[None, :, :, None], (size, size), method="bilinear")[0, :, :, 0].numpy()


def attribution_rows(model, plan: Plan) -> list[str]:
    """Seconds per map and the rank correlation of seecat's map with the peer's, for each method and photo."""
    size = lib.model_input_size(model)
    rows = ["| method | photo (class explained) | seecat s/map | peer | peer s/map | peer ÷ seecat | rank correlation |",
            "|---|---|---|---|---|---|---|"]
    before_upsampling, small_shape = [], None
    for photo in plan.photos:
        image = lib.load_image(lib.data_path(photo), size=size)
        class_id = attribution.top_class(model, image)
        for method, (ours_method, settings), peer, peer_map, peer_small_map in peer_maps(model, image, class_id, plan):
            ours_map = lib.explain(model, image, class_id, ours_method, **settings)
            correlation = lib.rank_correlation(ours_map, peer_map())
            ours = median_ms(lambda: lib.explain(model, image, class_id, ours_method, **settings), plan.repeats,
                             warmup=1) / 1000
            theirs = median_ms(peer_map, plan.repeats, warmup=1) / 1000
            if peer_small_map is not None:
                small_map = peer_small_map()
                small_shape = "x".join(map(str, small_map.shape))
                before_upsampling.append(lib.rank_correlation(ours_map, resized_as_seecat(small_map, size)))
            rows.append(f"| {method} | {photo} ({lib.class_name(class_id)}) | {ours:.3f} | {peer} | {theirs:.3f} | "
                        f"{ratio(theirs, ours)} | {correlation:.3f} |")
            print(rows[-1], file=sys.stderr, flush=True)
    return rows + ["", f"Grad-CAM before upsampling: each peer's {small_shape} map, "
                   f"upsampled as seecat upsamples (bilinear, tf.image.resize), against seecat's map: rank correlation "
                   f"{min(before_upsampling):.3f} at the lowest. Integrated gradients: {plan.ig_steps} steps from black "
                   "for both, batches of 8 (PAIR takes its points from 0 to 1 inclusive, seecat the midpoints)."]


def attack_rows(model, plan: Plan) -> list[str]:
    """lib.attacks.pgd against foolbox's LinfPGD on the photo set: the same steps, step size, random start and judge.

    foolbox gets seecat's model as it is: it returns logits, which is what
    foolbox's cross-entropy expects (log-probabilities would give the same).
    Both are judged by lib.attacks.fooled (top class is not the label).
    """
    import foolbox

    images, classes, _ = lib.load_photo_set(lib.model_input_size(model))
    images, classes = images[:plan.attack_photos], classes[:plan.attack_photos]
    # int64, as foolbox's argmax: other label types reach eagerpy 0.30's np.find_common_type, gone from NumPy 2
    labels = tf.constant([lib.class_id_of(name) for name in classes], tf.int64)
    steps = plan.attack_steps
    peer_model = foolbox.TensorFlowModel(model, bounds=(0, 1))
    peer_attack = foolbox.attacks.LinfPGD(rel_stepsize=PGD_STEP_SHARE / steps, steps=steps, random_start=True)

    def ours(budget: float) -> np.ndarray:
        return lib.pgd(model, images, classes, budget, steps=steps)

    def theirs(budget: float) -> np.ndarray:
        tf.random.set_seed(0)  # foolbox's random start draws from TensorFlow's global generator; seecat's is seeded too
        _, attacked, _ = peer_attack(peer_model, tf.constant(images), labels, epsilons=budget / 255)
        return attacked.numpy()

    for warm_up in (ours, theirs):  # TensorFlow's first calls of each, untimed
        warm_up(plan.budgets_255[0])
    count = len(images)
    rows = [f"| budget (of 255) | seecat PGD fooled | foolbox LinfPGD fooled | difference | not fooled: seecat; foolbox | "
            f"seecat s ({count} photos) | foolbox s | foolbox ÷ seecat |", "|---" * 8 + "|"]
    seconds = {"seecat": [], "foolbox": []}
    for budget in plan.budgets_255:
        success = {}
        for name, attack in (("seecat", ours), ("foolbox", theirs)):
            took, attacked = timed(lambda: attack(budget))
            seconds[name].append(took)
            success[name] = fooled(model, attacked, classes)
        counts = {name: int(fooled_each.sum()) for name, fooled_each in success.items()}
        not_fooled = "; ".join(", ".join(classes[index] for index in np.flatnonzero(~success[name])) or "none"
                               for name in ("seecat", "foolbox"))
        rows.append(f"| {budget:g} | {counts['seecat']}/{count} | {counts['foolbox']}/{count} | "
                    f"{counts['foolbox'] - counts['seecat']:+d} | {not_fooled} | {seconds['seecat'][-1]:.1f} | "
                    f"{seconds['foolbox'][-1]:.1f} | {ratio(seconds['foolbox'][-1], seconds['seecat'][-1])} |")
        print(rows[-1], file=sys.stderr, flush=True)
    clean = int(fooled(model, images, classes).sum())
    ours_median, theirs_median = statistics.median(seconds["seecat"]), statistics.median(seconds["foolbox"])
    return rows + ["", f"{steps} steps of 2.5 x budget / {steps} from a random start, for both. Untouched, {clean} of "
                   f"the {count} photos are misclassified. Median over the budgets (each the same work): seecat "
                   f"{ours_median:.1f} s, foolbox {theirs_median:.1f} s ({ratio(theirs_median, ours_median)})."]


def side_by_side_rows(model=None, judges: list | None = None, plan: Plan = Plan()) -> list[str]:
    """The section's three tables; a one-line note instead when a peer is not installed.

    model: the model every library works on (default efficientnet_lite0);
    judges: the networks that judge the ideal images (default the README's
    judges other than the model).
    """
    missing = missing_peers()
    if missing:
        return [f"Not measured: {', '.join(missing)} not installed. The peers are for the benchmark only: `make bench` "
                f"installs them, or `{INSTALL}`."]
    model = lib.load_model(MODEL) if model is None else model
    judges = [lib.load_model(name) for name in JUDGES if name != model.name] if judges is None else judges
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)  # the peers' use of older TensorFlow and SciPy
        warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't match")  # tf-keras-vis's call
        return [f"Peers: {versions()}; every library on {model.name}, in one process.", "",
                f"**Ideal images** of {len(plan.classes)} classes, each library's own loop; seconds per step at batch 1:",
                "", *ideal_rows(model, judges, plan),
                "", "**Attribution maps**, each map at the photo's top class:", "", *attribution_rows(model, plan),
                "", "**Attacks**, untargeted L-inf PGD on the photo set (lib.load_photo_set):", "", *attack_rows(model, plan)]
