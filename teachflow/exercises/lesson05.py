"""Lesson 5 (a convolutional network): output sizes under SAME and VALID padding, parameter counts."""
import math

import numpy as np

from teachflow.core.i18n import N_, _
from teachflow.exercises._core import exercise, hashed


def _out_size(n, k, s, padding):
    return math.ceil(n / s) if padding == "SAME" else math.ceil((n - k + 1) / s)


@exercise("l05.conv_output_size", N_("VALID keeps only the windows that fit entirely: n − k + 1 "
          "positions at stride 1; SAME pads so that every stride-th position has a window, whatever k. "
          "With a stride s, divide and round up."))
def _conv_size(student):
    if not callable(student):
        return False, _("the answer is a function {signature}.").format(signature="conv_output_size(n, k, s, padding)")
    rng = np.random.RandomState(5)
    cases = [(8, 3, 1, "SAME"), (8, 3, 1, "VALID"), (8, 3, 2, "SAME"), (4, 2, 2, "VALID")]
    for _trial in range(20):
        k = int(rng.randint(1, 6))
        cases.append((int(rng.randint(k, 40)), k, int(rng.randint(1, 4)), str(rng.choice(["SAME", "VALID"]))))
    for n, k, s, padding in cases:
        got = student(n, k, s, padding)
        if got != _out_size(n, k, s, padding):
            return False, _("conv_output_size({n}, {k}, {s}, {padding!r}) returned {got!r}.").format(
                n=n, k=k, s=s, padding=padding, got=got)
    return True, _("right on {n} cases, SAME and VALID, strides 1 to 3.").format(n=len(cases))


exercise("l05.n_conv2", N_("a conv layer's kernel is height × width × input channels × filters, plus "
         "one bias per filter; conv2 reads conv1's 32 channels.")
         )(hashed("44b6242194c0deda1aaeed14029ac960569b90859bf7c38664a94d2de74c2746",
                  what=N_("number of parameters of conv2")))
