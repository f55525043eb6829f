"""What the representations of elapsed time since a stimulus onset share.

A stimulus channel is on while its value is > 0; an onset is a step on which it is on after a step
on which it was not. With ``reward=True`` the reward is one more channel (on while > 0), after the
observation's. Each representation keeps per copy and channel a clock restarted at the channel's
onsets and appends its features to the observation:
:class:`~bioRTRRL.tasks.microstimuli.Microstimuli`
(a decaying memory trace read by Gaussian basis functions) and
:class:`~bioRTRRL.tasks.serial_compound.SerialCompound` (one feature per tick since the onset).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import batch_space

__all__ = ["OnsetClock", "OnsetClockVector", "OnsetCode", "onset_space"]


class OnsetCode:
    """Per-copy clocks of each stimulus channel, restarted at that channel's onset.

    Subclasses say what a clock is (:meth:`restart`) and which features it gives after a step
    (:meth:`advance`); this class finds the onsets.
    """

    def __init__(self, num_envs: int, channels: int):
        self.was_on = np.zeros((num_envs, channels), dtype=bool)

    def restart(self, rows) -> None:
        """Forget copies ``rows``' stimuli (a new episode)."""
        self.was_on[rows] = False

    def advance(self, onset: np.ndarray) -> np.ndarray:
        """One step of every clock, restarted where ``onset``; the features, (copies, features)."""
        raise NotImplementedError

    def observe(self, obs: np.ndarray, reward: np.ndarray | None = None) -> np.ndarray:
        """The observation followed by the features of its channels (and of the reward)."""
        stimuli = obs if reward is None else np.concatenate([obs, reward[..., None]], axis=-1)
        on = stimuli > 0
        features = self.advance(on & ~self.was_on)
        self.was_on = on
        return np.concatenate([obs.astype(np.float32), features], axis=-1)


def onset_space(env_space: spaces.Space, reward: bool, per_channel: int, name: str):
    """(stimulus channels, observation space with ``per_channel`` features in [0, 1] appended)."""
    if not isinstance(env_space, spaces.Box) or len(env_space.shape) != 1:
        raise ValueError(f"{name} need a 1-D Box observation space, got {env_space}")
    if not isinstance(reward, (bool, np.bool_)):
        raise ValueError(f"{name}.reward must be true or false, got {reward!r}")
    channels = env_space.shape[0] + int(reward)
    low = np.concatenate([env_space.low, np.zeros(channels * per_channel)]).astype(np.float32)
    high = np.concatenate([env_space.high, np.ones(channels * per_channel)]).astype(np.float32)
    return channels, spaces.Box(low, high, dtype=np.float32)


class OnsetClock(gym.Wrapper):
    """Append the features of an :class:`OnsetCode` to every observation of one environment."""

    def __init__(self, env: gym.Env, code: OnsetCode, observation_space: spaces.Box,
                 reward: bool):
        super().__init__(env)
        self.observation_space = observation_space
        self._code, self._reward = code, reward

    def _observe(self, obs, reward):
        return self._code.observe(obs[None], np.array([reward]) if self._reward else None)[0]

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._code.restart(slice(None))
        return self._observe(obs, 0.0), info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        return self._observe(obs, reward), reward, terminated, truncated, info


class OnsetClockVector(gym.vector.VectorWrapper):
    """:class:`OnsetClock` for a vector env with NEXT_STEP autoreset.

    A copy whose episode ended on the previous step is reset by this step, so its clocks restart
    before its first observation is read.
    """

    def __init__(self, env: gym.vector.VectorEnv, code: OnsetCode,
                 single_observation_space: spaces.Box, reward: bool):
        super().__init__(env)
        self.single_observation_space = single_observation_space
        self.observation_space = batch_space(single_observation_space, env.num_envs)
        self._code, self._reward = code, reward
        self._ended = np.zeros(env.num_envs, dtype=bool)

    def _observe(self, obs, reward):
        return self._code.observe(obs, np.asarray(reward, dtype=float) if self._reward else None)

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._code.restart(slice(None))
        self._ended[:] = False
        return self._observe(obs, np.zeros(self.num_envs)), info

    def step(self, actions):
        obs, reward, terminated, truncated, info = self.env.step(actions)
        self._code.restart(self._ended)
        self._ended = np.logical_or(terminated, truncated)
        return self._observe(obs, reward), reward, terminated, truncated, info
