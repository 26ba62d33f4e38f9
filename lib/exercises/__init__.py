"""Checkers for the exercises of lessons 05, 07, 08 and 09: a friendly verdict, never a bare traceback.

A check cell hands the student's answer to one checker:

    exercises.check_ideal_image(model, result, picker.value)

A right answer prints "✓ ..." lines saying what is right. A missing or wrong
answer prints what is wrong and what to look at, and never raises: Run All
goes on past an exercise that is not done yet. Either way the checker returns
a `Verdict(name, passed, score, feedback)` for a grader or a test; in a
notebook it adds nothing under the printed lines. `check_x.__wrapped__` is
the strict form, for tests: it returns the "✓" lines or raises `NotYet`.

One module a lesson (lesson05.py, lesson07.py, lesson08.py, lesson09.py);
what they share is in feedback.py. This package also hands on the tools the
exercises use, which live in the modules of their ideas: `DOG_BREEDS` and
`is_dog` (lib.classes), `resized` (lib.images), `total_variation_of`
(lib.objectives) and `fools` (lib.attacks).

Three kinds of "check" in seecat, not to be confused:

1. A lesson's check cell, `lib.check(condition, claim)` (lib/checks.py):
   the lesson asserts its own key result; if it does not hold, CheckFailed
   stops the notebook (and nbval fails it). Nothing for a student to answer.
2. Input validators, `check_model`, `check_image`, `check_batch`,
   `check_budget_255`... (lib/models.py, lib/images.py, lib/parameterisations.py,
   lib/attacks.py) and lib/_validate.py's `whole`, `number`, `one_of`: a
   library function checks its arguments and raises ValueError saying what
   it expected and what it got.
3. Exercise checkers, `exercises.check_*` (here): they judge a student's
   answer and print feedback; a wrong answer is a `NotYet`, printed, never
   raised out of a check cell.
"""

from ..attacks import fools, fools_attack
from ..classes import DOG_BREEDS, FIRST_DOG, LAST_DOG, is_dog
from ..images import cat_and_dog, resized
from ..objectives import total_variation_of
from .feedback import GOAL_PROBABILITY, NotYet, Verdict
from .lesson05 import (check_defence, check_ideal_image, check_smallest_budget, check_transfer, check_tv_weight,
                       check_untargeted_attack)
from .lesson07 import HIDING_MAX_SIZE, HIDING_SMALLEST_FOUND, check_hiding_square, check_most_faithful
from .lesson08 import check_favourite_channel, check_neuron_image
from .lesson09 import check_blur_proof, check_l2_attack

__all__ = [
    "DOG_BREEDS", "FIRST_DOG", "GOAL_PROBABILITY", "HIDING_MAX_SIZE", "HIDING_SMALLEST_FOUND", "LAST_DOG", "NotYet",
    "Verdict", "cat_and_dog", "check_blur_proof", "check_defence", "check_favourite_channel", "check_hiding_square",
    "check_ideal_image", "check_l2_attack", "check_most_faithful", "check_neuron_image", "check_smallest_budget",
    "check_transfer", "check_tv_weight", "check_untargeted_attack", "fools", "fools_attack", "is_dog", "resized",
    "total_variation_of",
]
