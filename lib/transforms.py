"""Random transformations applied to the image before every forward pass.

A transform is a function `(images, generator) -> images` on float32
[batch, height, width, 3] tensors; each is made by a small factory
(`jitter(8)`, `rotate(10)`) and they chain with `compose`. They are written
with TensorFlow ops, so the compiled step stays compiled, and they are
differentiable, so the gradient flows back to the image. With `jitter`,
`scale`, `rotate`, `noise` and `camera`, every image of a batch gets its own
random draw (its own shift, zoom, turn, noise), so a batch of copies of one
image is a batch of different views of it (`views`, for EOT). The recipes'
`random_view` draws one view per call for the whole batch, as lucid does.

Why: an image that only fools the network at one exact pixel position is a
trick, not a picture. If the image must work after being shifted, scaled and
turned a little, high-frequency tricks stop paying off and shapes emerge.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from ._validate import number, whole
from .names import MAX_DRAWS

Transform = Callable[[tf.Tensor, tf.random.Generator], tf.Tensor]


def compose(*transforms: Transform) -> Transform:
    """Apply the transforms one after the other."""

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        for transform in transforms:
            images = transform(images, generator)
        return images

    return apply


def pad(width: int, mode: str = "REFLECT", value: float = 0.5) -> Transform:
    """Add `width` pixels on every side: mirrored ("REFLECT"), or grey ("CONSTANT", `value`). More room to jitter."""
    if mode not in ("REFLECT", "SYMMETRIC", "CONSTANT"):
        raise ValueError(f"pad mode must be 'REFLECT', 'SYMMETRIC' or 'CONSTANT', got {mode!r}.")

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        paddings = [[0, 0], [width, width], [width, width], [0, 0]]
        return tf.pad(images, paddings, mode=mode, constant_values=value if mode == "CONSTANT" else 0.0)

    return apply


def _per_image(images: tf.Tensor, *shape: int) -> tf.Tensor:
    """The shape of one random draw per image: [batch, *shape]."""
    return tf.concat([tf.shape(images)[:1], tf.constant(shape, tf.int32)], axis=0)


def jitter(pixels: int) -> Transform:
    """Cut a window `pixels` smaller at a random offset, one offset per image: a shift of up to `pixels`."""

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        shape = tf.shape(images)
        offset = tf.cast(generator.uniform(_per_image(images, 2), 0, pixels + 1, dtype=tf.int32), tf.float32)
        ones, zeros = tf.ones_like(offset[:, 0]), tf.zeros_like(offset[:, 0])
        # Output pixel (x, y) reads input pixel (x + column offset, y + row offset): whole pixels, so the bilinear
        # read is the pixel itself and the window never leaves the image.
        matrix = tf.stack([ones, zeros, offset[:, 1], zeros, ones, offset[:, 0], zeros, zeros], axis=1)
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=images, transforms=matrix, output_shape=shape[1:3] - pixels, fill_value=0.0,
            interpolation="BILINEAR", fill_mode="CONSTANT")

    return apply


def _affine(images: tf.Tensor, scale: tf.Tensor, angle: tf.Tensor) -> tf.Tensor:
    """Scale and turn each image about its centre by its own scale and angle ([batch] each), same size out,
    mirrored edges."""
    shape = tf.shape(images)
    height, width = tf.cast(shape[1], tf.float32), tf.cast(shape[2], tf.float32)
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    centre_x, centre_y = (width - 1) / 2, (height - 1) / 2
    # For each output pixel (x, y), the input pixel it reads: inverse rotation and scale about the centre.
    zeros = tf.zeros_like(cos)
    matrix = tf.stack([cos, -sin, centre_x - cos * centre_x + sin * centre_y,
                       sin, cos, centre_y - sin * centre_x - cos * centre_y, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=matrix, output_shape=shape[1:3],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="REFLECT")


def scale(low: float = 0.9, high: float = 1.1) -> Transform:
    """Zoom each image in or out by its own random factor between low and high."""

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        factor = generator.uniform(_per_image(images), low, high)
        return _affine(images, factor, tf.zeros_like(factor))

    return apply


def rotate(degrees: float = 10.0) -> Transform:
    """Turn each image by its own random angle between -degrees and +degrees."""

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        angle = generator.uniform(_per_image(images), -degrees, degrees) * (math.pi / 180)
        return _affine(images, tf.ones_like(angle), angle)

    return apply


def noise(std: float = 0.05) -> Transform:
    """Add Gaussian noise of standard deviation `std` (in [0, 1] pixel units) to every pixel, new noise each view.

    The one transform that does not keep values in [0, 1]: near black or
    white a pixel may leave the range by a little, and the models take it as
    it is (clipping would cut the gradient of every saturated pixel).
    """
    number("std", std, 0, 1, hint="noise std is in pixel units (0.05 is about 13 levels of 255),")

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        return images + generator.normal(tf.shape(images), stddev=std)

    return apply


def gaussian_blur(images: tf.Tensor, sigma: float) -> tf.Tensor:
    """Blur images [batch, height, width, 3] with a Gaussian of `sigma` pixels (edges mirrored); differentiable."""
    images = tf.convert_to_tensor(images, tf.float32)
    radius = max(1, int(math.ceil(3 * sigma)))
    if images.shape[1] is not None and images.shape[2] is not None:  # mirroring needs radius < the image's side
        radius = max(1, min(radius, images.shape[1] - 1, images.shape[2] - 1))
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)
    weights = tf.exp(-0.5 * tf.square(offsets / sigma))
    down = tf.tile(tf.reshape(weights / tf.reduce_sum(weights), [-1, 1, 1, 1]), [1, 1, 3, 1])  # [k, 1, 3, 1]
    across = tf.reshape(down, [1, -1, 3, 1])  # one kernel per channel, along rows then along columns
    padded = tf.pad(images, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="SYMMETRIC")
    blurred = tf.nn.depthwise_conv2d(padded, down, [1, 1, 1, 1], "VALID")
    return tf.nn.depthwise_conv2d(blurred, across, [1, 1, 1, 1], "VALID")


def blur(sigma: float = 1.0) -> Transform:
    """Gaussian blur of `sigma` pixels (a soft lens, or a defence against fine-grained attacks)."""
    number("sigma", sigma, 0, 10, low_open=True, hint="blur sigma is in pixels,")

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        return gaussian_blur(images, sigma)

    return apply


def jpeg(quality: int = 75) -> Transform:
    """Save and reload as JPEG at `quality` (1-100). JPEG has no gradient: the backward pass treats it as the
    identity ("straight-through"), which is enough for an attack to learn to survive it."""
    whole("quality", quality, 1, 100, hint="jpeg quality is")

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        compressed = tf.map_fn(lambda image: tf.image.adjust_jpeg_quality(tf.clip_by_value(image, 0.0, 1.0), quality),
                               images)
        return images + tf.stop_gradient(compressed - images)

    return apply


def camera() -> Transform:
    """What a phone's camera might do to a printed photo: shift, zoom, turn a little, then a slight blur."""
    return compose(jitter(8), scale(0.9, 1.1), rotate(8), blur(0.7))


def shot(transform: Transform, then: Transform | None = None) -> Transform:
    """One random draw of `transform` per image, brought back to the image's size, then `then` (if given): e.g. a
    camera shot saved as a JPEG, shot(camera(), jpeg(75))."""

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        shots = transform(images, generator)
        if shots.shape[1:3] != images.shape[1:3] or shots.shape[1] is None:
            shots = tf.image.resize(shots, tf.shape(images)[1:3], method="bilinear")
        return shots if then is None else then(shots, generator)

    return apply


def views(draws: int, transform: Transform | None = None, then: Transform | None = None) -> Transform:
    """Each image of a batch [n, h, w, 3] as `draws` views, [draws * n, h, w, 3]: for expectation over transformation.

    The first n views are the images themselves; the other draws - 1 blocks
    of n are random draws of `transform` (each image its own draw, each
    block new ones), brought back to the images' size (`shot`). `then` is
    applied to every view last, the images themselves included: e.g.
    jpeg(75), the file that every shot and the image itself are saved as.
    View k of image i is row k * n + i. A loss averaged over the rows
    averages the gradient over the views, in one forward and backward pass.
    """
    whole("draws", draws, 1, MAX_DRAWS, hint="draws is how many views of each image a step averages over,")
    if draws > 1 and transform is None:
        raise ValueError(f"draws={draws} views need a random transform to draw them from, e.g. lib.transforms.camera(); "
                         "without one, use draws=1.")
    shots = None if transform is None else shot(transform, then)

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        seen = images if then is None else then(images, generator)
        if draws == 1:
            return seen
        return tf.concat([seen, shots(tf.tile(images, [draws - 1, 1, 1, 1]), generator)], axis=0)

    return apply


def resize_to(images: tf.Tensor, size: int) -> tf.Tensor:
    """Bring transformed images back to the model's input size [batch, size, size, 3].

    Images already that size come back as they are (a bilinear resize to the
    same size changes nothing, and costs a millisecond a step).
    """
    if tuple(images.shape[1:3]) == (size, size):
        return images
    return tf.image.resize(images, [size, size], method="bilinear")


def random_view(pad_width: int, pad_mode: str, first_shift: int, low: float, high: float, degrees: float,
                last_shift: int, noise_std: float | None = None, pad_value: float = 0.5) -> Transform:
    """compose(pad, jitter(first_shift), scale(low, high), rotate(degrees), jitter(last_shift)), then back to the
    input's size (and noise(noise_std), if given), in one resampling instead of three.

    It draws the same random numbers in the same order as the chain, so a
    generator in the same state gives the same shift, zoom and turn; only
    the interpolation is done once (a little sharper) and the mirrored
    edges are those of the padded image rather than of the shifted window.
    Output: the input's [batch, height, width, 3], so a square image of the
    model's size needs no resize after it. Forward and gradient at 224 px,
    strong_transforms took 6 ms where the chain and its resize took 14.
    One view is drawn per call, the same for every image of a batch, as in
    lucid: lesson 08's five channels, made at once, were checked on seeds
    0-4 that way (with a view per image, block14's image reached only 1.3
    times the photos' mean on seed 4, where the check asks 1.5). EOT, which
    needs a draw per image, uses `views` and the composable transforms.
    """
    padding = pad(pad_width, pad_mode, pad_value)
    if noise_std is not None:
        add_noise = noise(noise_std)

    def apply(images: tf.Tensor, generator: tf.random.Generator) -> tf.Tensor:
        padded = padding(images, generator)  # [batch, height + 2 * pad, width + 2 * pad, 3]
        first = tf.cast(generator.uniform([2], 0, first_shift + 1, dtype=tf.int32), tf.float32)  # (row, column)
        zoom = generator.uniform([], low, high)
        angle = generator.uniform([], -degrees, degrees) * (math.pi / 180)
        last = tf.cast(generator.uniform([2], 0, last_shift + 1, dtype=tf.int32), tf.float32)
        shape = tf.shape(images)
        size = tf.cast(shape[1:3], tf.float32)  # (height, width) out, as in
        window = size + 2 * pad_width - first_shift  # the side of the shifted window that scale and rotate turn
        centre = (window - 1) / 2
        ratio = (window - last_shift) / size  # the last window, resized back to the input's size
        # Output pixel (row, column) reads, in the last window, (index + 0.5) * ratio - 0.5; shifted by `last`,
        # minus the centre: the offsets below. Zoom and turn about the centre, then shift by `first` into `padded`.
        offset = 0.5 * ratio - 0.5 + last - centre
        cos, sin = tf.cos(angle) / zoom, tf.sin(angle) / zoom
        matrix = tf.stack([cos * ratio[1], -sin * ratio[0], first[1] + centre[1] + cos * offset[1] - sin * offset[0],
                           sin * ratio[1], cos * ratio[0], first[0] + centre[0] + sin * offset[1] + cos * offset[0],
                           0.0, 0.0])
        view = tf.raw_ops.ImageProjectiveTransformV3(
            images=padded, transforms=tf.tile(matrix[None], [shape[0], 1]), output_shape=shape[1:3],
            fill_value=0.0, interpolation="BILINEAR", fill_mode="REFLECT")
        return view if noise_std is None else add_noise(view, generator)

    return apply


def standard_transforms() -> Transform:
    """The robustness recipe of lucid (Olah et al., Distill 2017): pad 12, jitter 8, scale 0.9-1.1, rotate 10,
    jitter 4, back to the input's size: `random_view`, one resampling.

    One difference from lucid: the padding mirrors the image's edges, where
    lucid pads with constant grey (0.5); strong_transforms pads with grey.
    """
    return random_view(12, "REFLECT", 8, 0.9, 1.1, 10, 4)


def strong_transforms() -> Transform:
    """Bigger moves than lucid's, used by the "fourier" recipe: grey padding 12, jitter 16, scale 0.6-1.4,
    rotate 15, jitter 4, back to the input's size (`random_view`, one resampling), and pixel noise (std 0.05).

    The image must work at many sizes and positions, so the model's
    evidence has to be drawn as whole shapes at several scales; and it must
    survive noise, so evidence hidden in faint pixel-level patterns is
    drowned. On ten classes made with Lite0 each raised how often other
    networks agree on the class (bench/run.py, section 5).
    """
    return random_view(12, "CONSTANT", 16, 0.6, 1.4, 15, 4, noise_std=0.05)


def as_transform(transforms: Transform | Sequence[Transform] | None) -> Transform | None:
    """None, one transform, or a list of them (composed in order)."""
    if transforms is None or callable(transforms):
        return transforms
    if isinstance(transforms, Sequence) and all(callable(t) for t in transforms):
        return compose(*transforms) if transforms else None
    raise ValueError(f"transforms must be a transform such as lib.transforms.jitter(8), a list of them, or None; got {transforms!r}.")
