"""Brian2 expressions evaluated by numpy on a group's live arrays, without code generation.

A network operation that needs the value of a model expression every tick cannot ask Brian2 for
it (``group.expr`` builds a code object each time, milliseconds). :class:`LiveExpression` binds
the identifiers of a plain arithmetic expression once — to the variables' storage, to pre- or
post-synaptic index arrays, to constants — and evaluates it with numpy in microseconds.
"""

from __future__ import annotations

import numpy as np


class LiveExpression:
    """A Brian2 expression (``+ - * / **`` of variables and constants) on a group's live state.

    Parameters
    ----------
    group : Group
        NeuronGroup or Synapses; ``x_pre``/``x_post`` resolve through the synaptic indices.
    expression : str
    namespace : dict
        Constants the expression may use (the group's namespace).

    Notes
    -----
    Values are taken in the group's base units (as stored), like generated code sees them.
    Valid while the group keeps its size (synapses are created before the run).
    """

    def __init__(self, group, expression: str, namespace: dict):
        self.expression = expression
        self._code = compile(expression, f"<{group.name}: {expression}>", "eval")
        self._bindings = []
        self._constants = {}
        for name in self._code.co_names:
            if name in group.variables:
                self._bindings.append((name, *_binding(group, name)))
            elif name in namespace:
                self._constants[name] = float(np.asarray(namespace[name]))
            else:
                raise KeyError(f"{group.name}: {name!r} in {expression!r} is neither a variable "
                               "nor a constant")

    def __call__(self):
        """Current value (scalar or array, one entry per neuron/synapse)."""
        env = dict(self._constants)
        for name, arr, index in self._bindings:
            env[name] = arr[0] if index is None else (arr if index is True else arr[index])
        return eval(self._code, {"__builtins__": {}}, env)


def _binding(group, name):
    """(storage, index): index None for a scalar, True for the group's own index, else an array."""
    var = group.variables[name]
    arr = var.get_value()
    if var.scalar:
        return arr, None
    index = group.variables.indices[name]
    if index == "_idx":
        return arr, True
    return arr, group.variables[index].get_value()
