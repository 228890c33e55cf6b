"""Lesson 3 (inside a training step): fan-out, a gate's local gradients, tanh's backward rule."""
import numpy as np

from teachflow.core.i18n import N_, _
from teachflow.exercises._core import compare_on_random_inputs, exercise, hashed

exercise("l03.fanout", N_("q reaches z along two paths (through p + q, and directly as the right "
         "factor). Differentiate along each path and add the two contributions: gradients that "
         "meet at a fan-out add up.")
         )(hashed("9e18394d88e324963ba70c4fa707212bb112f274545e8ffa111259659488fd67", what=N_("value of ∂z/∂q")))

exercise("l03.mul_gate", N_("a multiply gate z = x · y sends each input the upstream gradient times "
         "the *other* input: it swaps the inputs. Answer as a tuple (∂L/∂x, ∂L/∂y).")
         )(hashed("32a258da06e42477bc1e8dacea5693cedf47b898e655141279c32d982415ee0d",
                  what=N_("pair of gradients (∂L/∂x, ∂L/∂y)")))

exercise("l03.n_updates", N_("one training step applies one update per variable: count the weight "
         "matrices and bias vectors of the three layers.")
         )(hashed("2063c5c8a251b11c08817a65c08c182e5cf9151d2cf36319eed3cc37be6186d2",
                  what=N_("number of update steps")))


def _tanh_inputs(rng):
    shape = tuple(rng.randint(1, 6, size=rng.randint(1, 3)))
    y = np.tanh(rng.normal(0, 2, shape))
    return y, rng.normal(0, 1, shape)


@exercise("l03.tanh_backward", N_("the derivative of tanh can be written with its output y alone; "
          "the chain rule multiplies that local derivative by the incoming gradient dy, element by "
          "element (no matrix product)."))
def _tanh_backward(student):
    if not callable(student):
        return False, _("the answer is a function {signature}.").format(signature="tanh_backward(y, dy)")
    return compare_on_random_inputs(student, lambda y, dy: dy * (1 - y ** 2), _tanh_inputs)
