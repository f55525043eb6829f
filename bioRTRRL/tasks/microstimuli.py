"""Microstimuli: a representation of the time elapsed since each stimulus onset.

Ludvig, Sutton & Kehoe (2008, Neural Computation 20:3034, "Stimulus representation and the timing
of reward-prediction errors in models of the dopamine system"): each stimulus onset starts a memory
trace that decays exponentially, y(t) = exp(−t/τ), and a bank of m microstimuli reads its height
through Gaussian basis functions,

    x_i(t) = y(t) · exp(−(y(t) − i/m)² / (2σ²)),   i = 1 … m,

so microstimulus i peaks about τ·ln(m/i) after the onset, later ones lower and wider. A TD learner
on these features shows the dopamine signatures of trace conditioning at intervals where a
tapped-delay-line (complete serial compound) is implausible and a plain decaying trace too coarse.

Here the microstimuli are the sensory side of the circuit's input population: each observation
channel that switches on (from ≤ 0 to > 0) restarts its own trace, and the wrapper appends the
m microstimuli of every channel to the observation. The trace time constant is physical
(milliseconds) and converted with the tick duration ``env_dt_ms``, so the same representation holds
at any tick length.

In Ludvig et al.'s model "all external stimuli, including rewards, spawn a series of internal
microstimuli" (their abstract; the US is one of the stimuli of their Eq. 1–2). With ``reward=True``
the reward is such a channel too: a step whose reward is > 0 after one that was not restarts a
trace of its own, and its m microstimuli are appended after those of the observation channels.
Without them nothing tells the time just after a delivered reward from the time just before it
(both are late in the cue's trace, where its microstimuli are wide), and TD's value cannot step down
at the reward: at a 2 s cue–reward interval the reward's prediction error then stays near its
unpredicted size (analyses/results/dopamine_timing.md).
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np

from .onset_clock import OnsetClock, OnsetClockVector, OnsetCode, onset_space

__all__ = ["Microstimuli", "MicrostimuliVector", "microstimulus_features"]


def microstimulus_features(y: np.ndarray, count: int, sigma: float) -> np.ndarray:
    """The ``count`` microstimuli of trace heights ``y`` (Ludvig et al. 2008, Eq. 1–2).

    Parameters
    ----------
    y : ndarray (..., C)
        Trace height of each channel, in [0, 1] (1 at its stimulus onset).
    count : int
        Microstimuli per channel, centred at i/count, i = 1 … count.
    sigma : float
        Width of each basis function in trace height.

    Returns
    -------
    ndarray (..., C · count)
        Channel-major: the microstimuli of channel 0, then of channel 1, …
    """
    centres = np.arange(1, count + 1) / count
    x = y[..., None] * np.exp(-((y[..., None] - centres) ** 2) / (2.0 * sigma**2))
    return x.reshape(*y.shape[:-1], y.shape[-1] * count).astype(np.float32)


class _Traces(OnsetCode):
    """Per-copy traces of each channel, restarted (to 1) at that channel's onset."""

    def __init__(self, num_envs: int, channels: int, count: int, sigma: float, decay: float):
        super().__init__(num_envs, channels)
        self.count, self.sigma, self.decay = count, sigma, decay
        self.y = np.zeros((num_envs, channels))

    def restart(self, rows) -> None:
        super().restart(rows)
        self.y[rows] = 0.0

    def advance(self, onset: np.ndarray) -> np.ndarray:
        self.y *= self.decay
        self.y[onset] = 1.0
        return microstimulus_features(self.y, self.count, self.sigma)


def _traces(space, num_envs: int, count: int, sigma: float, tau_ms: float, env_dt_ms: float,
            reward: bool):
    """(the traces, the observation space) of microstimuli on an env of observation ``space``."""
    if not isinstance(count, (int, np.integer)) or isinstance(count, bool) or count < 1:
        raise ValueError(f"microstimuli.count must be an integer >= 1, got {count!r}")
    for name, value in (("sigma", sigma), ("tau_ms", tau_ms), ("env_dt_ms", env_dt_ms)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0 \
                or not math.isfinite(value):
            raise ValueError(f"microstimuli.{name} must be a finite number > 0, got {value!r}")
    channels, observation_space = onset_space(space, reward, count, "microstimuli")
    decay = math.exp(-env_dt_ms / tau_ms)
    return _Traces(num_envs, channels, count, sigma, decay), observation_space


class Microstimuli(OnsetClock):
    """Append the microstimuli of every observation channel to the observation.

    Parameters
    ----------
    env : gymnasium.Env
        An environment with a 1-D Box observation space whose channels are stimuli (> 0 while on).
    count : int, default 10
        Microstimuli per channel.
    sigma : float, default 0.08
        Width of the basis functions in trace height (Ludvig et al. 2008 use 0.08).
    tau_ms : float, default 1000
        Time constant of the memory trace, milliseconds.
    env_dt_ms : float, default 10
        Duration of one step, milliseconds.
    reward : bool, default False
        The reward (US) is a stimulus too: its onsets (reward > 0) start a trace whose ``count``
        microstimuli are appended last (Ludvig et al. 2008).
    """

    def __init__(self, env: gym.Env, count: int = 10, sigma: float = 0.08, tau_ms: float = 1000.0,
                 env_dt_ms: float = 10.0, reward: bool = False):
        traces, space = _traces(env.observation_space, 1, count, sigma, tau_ms, env_dt_ms, reward)
        super().__init__(env, traces, space, reward)


class MicrostimuliVector(OnsetClockVector):
    """:class:`Microstimuli` for a vector env with NEXT_STEP autoreset (same parameters).

    A copy whose episode ended on the previous step is reset by this step, so its traces restart
    before its first observation is read.
    """

    def __init__(self, env: gym.vector.VectorEnv, count: int = 10, sigma: float = 0.08,
                 tau_ms: float = 1000.0, env_dt_ms: float = 10.0, reward: bool = False):
        traces, space = _traces(env.single_observation_space, env.num_envs, count, sigma, tau_ms,
                                env_dt_ms, reward)
        super().__init__(env, traces, space, reward)
