"""What "the two engines agree step for step" means in the tests: the same actions on every tick,
and δ and every weight snapshot within ``atol``."""

import numpy as np


def assert_engines_agree(ref, b2, atol: float = 1e-9) -> None:
    """Assert that the Brian2 recording ``b2`` is the reference recording ``ref`` up to ``atol``."""
    np.testing.assert_array_equal(ref["action"].values, b2["action"].values)
    np.testing.assert_allclose(ref["dopamine"].values, b2["dopamine"].values, rtol=0, atol=atol)
    for name in ref.data_vars:
        if "snapshot" in ref[name].dims:
            np.testing.assert_allclose(ref[name].values, b2[name].values, rtol=0, atol=atol,
                                       err_msg=name)
