"""The complete serial compound: one feature per tick since each stimulus onset.

Montague, Dayan & Sejnowski (1996, J Neurosci 16:1936, "A framework for mesencephalic dopamine
systems based on predictive Hebbian learning") and Schultz, Dayan & Montague (1997,
Science 275:1593) represent a stimulus as a series of components x_1(t), x_2(t), …, each
active at exactly one delay after the stimulus onset (a tapped delay line; the "complete serial
compound" of Sutton & Barto 1990). With it, TD learns a separate value for every tick after the
cue, so the prediction error moves from the reward to the cue, the delivered reward becomes fully
predicted and an omitted one gives a sharp negative error exactly at the reward's time — the
signature of the recordings in Schultz et al. 1997, at any interval the delay line covers. Ludvig,
Sutton & Kehoe (2008, Neural Comput 20:3034) compare this representation with
"presence" and with microstimuli (:mod:`bioRTRRL.tasks.microstimuli`): the CSC gives the sharpest
timing, and is the least plausible biologically (a perfect clock of unbounded length, no
generalisation between neighbouring delays).

Here, feature k of a channel is 1 on the step k ticks after that channel's latest onset
(k = 0 … n − 1, the onset step itself is k = 0) and 0 otherwise; n = ``length_ms`` /
``env_dt_ms``, so the resolution is one tick and the delay line covers ``length_ms``. Before a
channel's first onset and from n ticks after its latest one all its features are 0. With
``reward=True`` the reward (a step whose reward is > 0 after one that was not) is a stimulus too,
as in Ludvig et al. 2008, and its n features are appended after those of the observation channels:
they tell the ticks just after a delivered reward from those just before it.
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np

from .onset_clock import OnsetClock, OnsetClockVector, OnsetCode, onset_space

__all__ = ["SerialCompound", "SerialCompoundVector", "serial_compound_features",
           "serial_compound_ticks"]


def serial_compound_ticks(length_ms: float, env_dt_ms: float) -> int:
    """n, the features per channel: ``length_ms`` in ticks of ``env_dt_ms``.

    Raises
    ------
    ValueError
        Unless both are finite numbers > 0 and ``length_ms`` is a whole number (>= 1) of ticks.
    """
    for name, value in (("length_ms", length_ms), ("env_dt_ms", env_dt_ms)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0 \
                or not math.isfinite(value):
            raise ValueError(f"serial_compound.{name} must be a finite number > 0, got {value!r}")
    ticks = round(length_ms / env_dt_ms)
    if ticks < 1 or not math.isclose(ticks * env_dt_ms, length_ms, rel_tol=1e-9):
        raise ValueError(f"serial_compound.length_ms = {length_ms!r} must be a whole number (>= 1) "
                         f"of ticks of {env_dt_ms!r} ms (circuit.env_dt_ms)")
    return ticks


def serial_compound_features(age: np.ndarray, ticks: int) -> np.ndarray:
    """The complete serial compound of the ticks ``age`` since each channel's onset.

    Parameters
    ----------
    age : ndarray of int (..., C)
        Ticks since each channel's latest onset (0 on the onset step); >= ``ticks`` for a channel
        without an onset in the last ``ticks`` ticks.
    ticks : int
        Features per channel.

    Returns
    -------
    ndarray (..., C · ticks), float32
        Channel-major: feature k of channel c is 1 where ``age[..., c] == k``, else 0.
    """
    x = age[..., None] == np.arange(ticks)
    return x.reshape(*age.shape[:-1], age.shape[-1] * ticks).astype(np.float32)


class _Ages(OnsetCode):
    """Per-copy ticks since each channel's onset, capped at ``ticks`` (= no feature on)."""

    def __init__(self, num_envs: int, channels: int, ticks: int):
        super().__init__(num_envs, channels)
        self.ticks = ticks
        self.age = np.full((num_envs, channels), ticks, dtype=np.int64)

    def restart(self, rows) -> None:
        super().restart(rows)
        self.age[rows] = self.ticks

    def advance(self, onset: np.ndarray) -> np.ndarray:
        np.minimum(self.age + 1, self.ticks, out=self.age)
        self.age[onset] = 0
        return serial_compound_features(self.age, self.ticks)


def _ages(space, num_envs: int, length_ms: float, env_dt_ms: float, reward: bool):
    ticks = serial_compound_ticks(length_ms, env_dt_ms)
    channels, observation_space = onset_space(space, reward, ticks, "serial_compound")
    return _Ages(num_envs, channels, ticks), observation_space


class SerialCompound(OnsetClock):
    """Append the complete serial compound of every observation channel to the observation.

    Parameters
    ----------
    env : gymnasium.Env
        An environment with a 1-D Box observation space whose channels are stimuli (> 0 while on).
    length_ms : float
        Span of the delay line after each onset, milliseconds: ``length_ms / env_dt_ms`` features
        per channel (a whole number), one per tick.
    env_dt_ms : float, default 10
        Duration of one step, milliseconds.
    reward : bool, default False
        The reward (US) is a stimulus too: its onsets (reward > 0) start a delay line whose
        features are appended last (Ludvig et al. 2008).
    """

    def __init__(self, env: gym.Env, length_ms: float, env_dt_ms: float = 10.0,
                 reward: bool = False):
        ages, space = _ages(env.observation_space, 1, length_ms, env_dt_ms, reward)
        super().__init__(env, ages, space, reward)


class SerialCompoundVector(OnsetClockVector):
    """:class:`SerialCompound` for a vector env with NEXT_STEP autoreset (same parameters)."""

    def __init__(self, env: gym.vector.VectorEnv, length_ms: float, env_dt_ms: float = 10.0,
                 reward: bool = False):
        ages, space = _ages(env.single_observation_space, env.num_envs, length_ms, env_dt_ms,
                            reward)
        super().__init__(env, ages, space, reward)
