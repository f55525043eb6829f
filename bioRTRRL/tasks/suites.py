"""Third-party task suites as the circuit needs them: NeuroGym's trials, popgym's actions.

The toolkit applies these adapters itself when ``task.env`` names an environment of the suite
(:func:`suite_of`), so a model file names a suite's task by id and needs no wrapper of its own:

- **NeuroGym** (Molano-Mazón et al. 2022, "NeuroGym: An open resource for developing and sharing
  neuroscience tasks"): tasks run trial after trial and never end an episode; trial structure,
  ground truth and outcome are in ``info``; the trial draws come from the task's own
  ``numpy.random.RandomState``, which ``reset(seed=)`` does not touch. :class:`NeuroGymTrials`
  seeds that generator from the run's seed, reports the task's periods and each trial's outcome
  as events (``trial_events``) and, with ``task.trial_as_episode``, ends an episode with each
  trial.
- **popgym** (Morad et al. 2023, ICLR): some tasks act through a MultiDiscrete space (Minesweeper's
  (row, column)); :class:`FlatDiscreteAction` turns it into one Discrete action, which the
  circuit's softmax actor takes (the mapping of popgym's own ``DiscreteAction``, which accepts
  only an unwrapped popgym environment).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

__all__ = ["FlatDiscreteAction", "NeuroGymTrials", "adapt_suite", "suite_of"]

#: Events a NeuroGym trial reports besides its periods: its outcome, on its last tick.
OUTCOMES = ("correct", "incorrect")


def suite_of(env: gym.Env) -> str | None:
    """``"neurogym"``, ``"popgym"`` or None: the package that defines ``env``'s task."""
    package = type(env.unwrapped).__module__.split(".")[0]
    return package if package in ("neurogym", "popgym") else None


class NeuroGymTrials(gym.Wrapper):
    """A NeuroGym task, seeded and trial-structured for the circuit's recorder.

    Parameters
    ----------
    env : gymnasium.Env
        A NeuroGym ``TrialEnv`` (possibly wrapped).
    trial_as_episode : bool
        End the episode (``terminated``) on the tick a trial ends: one trial per episode. The
        next episode's reset draws a new trial.

    Attributes
    ----------
    trial_events : tuple of str
        The task's periods (``fixation``, ``stimulus``, ``delay``, ``decision``, …, in the
        task's order), true on every tick whose observation belongs to that period, then
        ``correct`` and ``incorrect``, true on the tick a trial ends with that outcome (NeuroGym's
        ``performance``; a trial without a correct response is incorrect).

    Notes
    -----
    ``info`` carries ``trial`` (trial counter since the seeded reset), ``t_in_trial`` (tick
    within the trial of the current observation) and one boolean per event; NeuroGym's own
    trial dictionary moves to ``info["trial_info"]``.
    """

    def __init__(self, env: gym.Env, trial_as_episode: bool = False):
        super().__init__(env)
        self.trial_as_episode = bool(trial_as_episode)
        self.periods = tuple(env.unwrapped.timing)
        self.trial_events = self.periods + OUTCOMES
        self._trial = 0

    def reset(self, *, seed=None, options=None):
        task = self.env.unwrapped
        if seed is not None:
            # NeuroGym draws trials and noise from its own RandomState, which Gymnasium's
            # reset(seed=) leaves unseeded: without this, one seed gives different runs.
            task.seed(int(seed))
            self._trial = 0
        else:
            self._trial += 1  # reset() draws a new trial
        obs, info = self.env.reset(seed=seed, options=options)
        return obs, self._events(info, new_trial=False)

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        ended = bool(info.get("new_trial", False))
        if ended:
            if self.trial_as_episode:
                terminated = True  # the counter moves on at the next reset, which draws a trial
            else:
                self._trial += 1  # the observation is the next trial's first
        return obs, reward, terminated, truncated, self._events(info, new_trial=ended)

    def _events(self, info: dict, new_trial: bool) -> dict:
        task = self.env.unwrapped
        out = dict(info)
        if "trial" in out:
            out["trial_info"] = out.pop("trial")
        out["trial"] = self._trial
        out["t_in_trial"] = int(task.t_ind)
        for period in self.periods:
            out[period] = bool(task.in_period(period))
        correct = new_trial and info.get("performance", 0) == 1
        out["correct"] = bool(correct)
        out["incorrect"] = bool(new_trial and not correct)
        return out


class FlatDiscreteAction(gym.ActionWrapper):
    """One Discrete action for a MultiDiscrete or MultiBinary action space.

    Action ``a`` of ``Discrete(prod(nvec))`` is the multi-index ``unravel_index(a, nvec)``
    (row-major: the last component varies fastest), shifted by the space's ``start``; a
    MultiBinary(n) space is MultiDiscrete([2] * n). Use it in a model file as
    ``task.wrappers = ["bioRTRRL.tasks.suites:FlatDiscreteAction"]``.
    """

    def __init__(self, env: gym.Env):
        super().__init__(env)
        space = env.action_space
        if isinstance(space, spaces.MultiBinary):
            self._nvec, self._start = np.full(int(np.prod(space.shape)), 2), 0
            self._shape = space.shape
        elif isinstance(space, spaces.MultiDiscrete):
            self._nvec, self._start = space.nvec.reshape(-1), space.start.reshape(-1)
            self._shape = space.shape
        else:
            raise ValueError(f"FlatDiscreteAction needs a MultiDiscrete or MultiBinary action "
                             f"space, got {space}")
        self.action_space = spaces.Discrete(int(np.prod(self._nvec)))

    def action(self, action):
        index = np.array(np.unravel_index(int(action), self._nvec)) + self._start
        return index.reshape(self._shape).astype(self.env.action_space.dtype)


def adapt_suite(env: gym.Env, trial_as_episode: bool = False) -> gym.Env:
    """Apply the adapter of ``env``'s suite (if any); ``trial_as_episode`` needs NeuroGym."""
    suite = suite_of(env)
    if trial_as_episode and suite != "neurogym":
        raise ValueError("task.trial_as_episode: only NeuroGym tasks have trials to end episodes "
                         f"with; {env.spec.id if env.spec else env} is not one")
    if suite == "neurogym":
        return NeuroGymTrials(env, trial_as_episode)
    if suite == "popgym" and isinstance(env.action_space, spaces.MultiDiscrete):
        return FlatDiscreteAction(env)
    return env
