"""Observation masks: turn a fully observed control task into a POMDP.

The RTRRL paper's POMDP benchmarks hide part of a classic-control observation,
e.g. CartPole with positions only ([x, θ]) or velocities only ([ẋ, θ̇]); the
agent must then infer the hidden half with its recurrent state.

A mask is either a name (``"positions"`` or ``"velocities"``), resolved per
environment through :data:`NAMED_MASKS`, or an explicit sequence of observation
indices. Any bad mask raises :class:`ValueError` naming the mask.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.envs.registration import parse_env_id
from gymnasium.vector.utils import batch_space

__all__ = ["NAMED_MASKS", "ObservationMask", "ObservationMaskVector", "mask_indices"]

#: Named masks per environment name (the id without namespace and version).
#: Acrobot's angles are observed as (cos, sin) pairs and Pendulum's as
#: (cos, sin), so "positions" keeps both components of each angle.
NAMED_MASKS: dict[str, dict[str, tuple[int, ...]]] = {
    "CartPole": {"positions": (0, 2), "velocities": (1, 3)},
    "Acrobot": {"positions": (0, 1, 2, 3), "velocities": (4, 5)},
    "Pendulum": {"positions": (0, 1), "velocities": (2,)},
    "MountainCar": {"positions": (0,), "velocities": (1,)},
    "MountainCarContinuous": {"positions": (0,), "velocities": (1,)},
}

# Environments built without gymnasium.make have no spec; their class tells
# which task they are.
_CLASS_NAMES = {
    "CartPoleEnv": "CartPole",
    "CartPoleVectorEnv": "CartPole",
    "AcrobotEnv": "Acrobot",
    "PendulumEnv": "Pendulum",
    "MountainCarEnv": "MountainCar",
    "Continuous_MountainCarEnv": "MountainCarContinuous",
}


def _env_name(env: gym.Env | gym.vector.VectorEnv) -> str | None:
    """Name of an environment as used in :data:`NAMED_MASKS`, or None."""
    spec = env.spec if isinstance(env, gym.Env) else env.unwrapped.spec
    if spec is not None:
        namespace, name, _ = parse_env_id(spec.id)
        return name if namespace is None else f"{namespace}/{name}"
    return _CLASS_NAMES.get(type(env.unwrapped).__name__)


def _resolve(
    name: str | None, space: spaces.Space, mask: str | Sequence[int] | np.ndarray
) -> list[int]:
    if not isinstance(space, spaces.Box) or len(space.shape) != 1:
        raise ValueError(
            f"observation mask {mask!r} needs a 1-D Box observation space, got {space}"
        )
    size = space.shape[0]
    if isinstance(mask, str):
        if name is None:
            raise ValueError(
                f"observation mask {mask!r} is a name; resolving it needs an "
                "environment id or instance, not a bare space"
            )
        known = NAMED_MASKS.get(name)
        if known is None or mask not in known:
            choices = sorted(known) if known else []
            raise ValueError(
                f"observation mask {mask!r} is not defined for environment {name!r}"
                + (f" (choose from {choices} or an index list)" if choices else
                   " (give an index list instead)")
            )
        indices = list(known[mask])
    else:
        try:
            indices = [_as_index(i) for i in mask]
        except TypeError:
            raise ValueError(
                f"observation mask {mask!r} must be a name or a sequence of integer indices"
            ) from None
    if not indices:
        raise ValueError(f"observation mask {mask!r} selects no observation")
    bad = [i for i in indices if not 0 <= i < size]
    if bad:
        raise ValueError(
            f"observation mask {mask!r}: indices {bad} are out of range for an "
            f"observation of size {size}"
        )
    if len(set(indices)) != len(indices):
        raise ValueError(f"observation mask {mask!r} repeats an index")
    return indices


def _as_index(value: Any) -> int:
    # bool is an int subclass but never a meaningful index here.
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(value)
    return int(value)


def mask_indices(
    env_id_or_space: str | spaces.Space | gym.Env | gym.vector.VectorEnv,
    mask: str | Sequence[int] | np.ndarray,
) -> list[int]:
    """Observation indices kept by ``mask``.

    Parameters
    ----------
    env_id_or_space : str, gymnasium.Space, gymnasium.Env or gymnasium.vector.VectorEnv
        The environment (an id such as ``"CartPole-v1"``, which is instantiated
        once to read its observation space, or an instance) or a bare
        observation space. A bare space only accepts index lists.
    mask : str or sequence of int
        ``"positions"``, ``"velocities"`` (see :data:`NAMED_MASKS`), or the
        indices to keep, in the order they should appear.

    Returns
    -------
    list of int
        The kept indices, in output order.

    Raises
    ------
    ValueError
        If the mask is unknown for that environment, empty, repeats an index,
        or points outside the observation.
    """
    if isinstance(env_id_or_space, str):
        namespace, name, _ = parse_env_id(env_id_or_space)
        env = gym.make(env_id_or_space)
        try:
            space = env.observation_space
        finally:
            env.close()
        return _resolve(name if namespace is None else f"{namespace}/{name}", space, mask)
    if isinstance(env_id_or_space, spaces.Space):
        return _resolve(None, env_id_or_space, mask)
    if isinstance(env_id_or_space, gym.vector.VectorEnv):
        return _resolve(
            _env_name(env_id_or_space), env_id_or_space.single_observation_space, mask
        )
    if isinstance(env_id_or_space, gym.Env):
        return _resolve(_env_name(env_id_or_space), env_id_or_space.observation_space, mask)
    raise TypeError(
        "mask_indices expects an env id, a gymnasium Space, Env or VectorEnv, "
        f"got {type(env_id_or_space).__name__}"
    )


def _masked_box(space: spaces.Box, indices: np.ndarray) -> spaces.Box:
    return spaces.Box(space.low[indices], space.high[indices], dtype=space.dtype)


class ObservationMask(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Keep only some entries of a 1-D Box observation.

    Parameters
    ----------
    env : gymnasium.Env
        The environment to mask.
    mask : str or sequence of int
        ``"positions"``, ``"velocities"`` or an index list; see :func:`mask_indices`.

    Examples
    --------
    >>> env = ObservationMask(gymnasium.make("CartPole-v1"), "positions")  # doctest: +SKIP
    >>> env.observation_space.shape  # doctest: +SKIP
    (2,)
    """

    def __init__(self, env: gym.Env, mask: str | Sequence[int]):
        self.indices = np.asarray(mask_indices(env, mask), dtype=np.intp)
        gym.utils.RecordConstructorArgs.__init__(
            self, mask=mask if isinstance(mask, str) else self.indices.tolist()
        )
        gym.ObservationWrapper.__init__(self, env)
        self.observation_space = _masked_box(env.observation_space, self.indices)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        """Return the kept entries of ``observation``."""
        return observation[self.indices]


class ObservationMaskVector(gym.vector.VectorObservationWrapper):
    """Vector counterpart of :class:`ObservationMask` (masks the last axis).

    Parameters
    ----------
    env : gymnasium.vector.VectorEnv
        The vector environment to mask; its autoreset mode must be NEXT_STEP or
        DISABLED, since a SAME_STEP ``final_obs`` in ``info`` would stay unmasked.
    mask : str or sequence of int
        ``"positions"``, ``"velocities"`` or an index list; see :func:`mask_indices`.
    """

    def __init__(self, env: gym.vector.VectorEnv, mask: str | Sequence[int]):
        super().__init__(env)
        self.indices = np.asarray(mask_indices(env, mask), dtype=np.intp)
        self.single_observation_space = _masked_box(
            env.single_observation_space, self.indices
        )
        self.observation_space = batch_space(self.single_observation_space, env.num_envs)

    def observations(self, observations: np.ndarray) -> np.ndarray:
        """Return the kept entries of each row of ``observations``."""
        return observations[:, self.indices]
