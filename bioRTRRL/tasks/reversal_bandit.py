"""ReversalBandit: a two-armed bandit whose reward probabilities reverse."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskVectorEnv, TrialProgram, register_kernels, task_jit
from .counter_rng import draw
from .validation import check_int, check_probability

__all__ = ["ReversalBandit", "ReversalBanditVector"]

# Random streams per trial: reward draw, hazard draw; at trial 0 also the
# per-episode probability draws of both arms.
_REWARD, _HAZARD, _ARM0, _ARM1 = range(4)
_DRAWS = (None, "independent", "correlated")


class ReversalBanditProgram(TrialProgram):
    """Array program of :class:`ReversalBandit`."""

    n_streams = 4
    trial_events = ("choice", "reward", "reversal")

    def __init__(
        self,
        num_envs: int,
        trials_per_episode: int = 100,
        reward_probabilities: Sequence[float] | None = None,
        probability_draw: str | None = None,
        block_length: int | None = 50,
        hazard_rate: float = 0.0,
    ):
        super().__init__(num_envs)
        self.trials_per_episode = check_int("trials_per_episode", trials_per_episode, 1)
        if probability_draw not in _DRAWS:
            raise ValueError(
                f"probability_draw must be one of {_DRAWS}, got {probability_draw!r}"
            )
        if probability_draw is not None and reward_probabilities is not None:
            raise ValueError(
                "reward_probabilities: give either fixed reward_probabilities or a "
                "probability_draw, not both"
            )
        self.probability_draw = probability_draw
        if reward_probabilities is None:
            reward_probabilities = (0.8, 0.2)
        if isinstance(reward_probabilities, str) or len(reward_probabilities) != 2:
            raise ValueError(
                f"reward_probabilities must be a pair (arm 0, arm 1), got {reward_probabilities!r}"
            )
        self.initial_probabilities = np.array(
            [check_probability("reward_probabilities", p) for p in reward_probabilities]
        )
        self.block_length = None if block_length is None else check_int(
            "block_length", block_length, 1
        )
        self.hazard_rate = check_probability("hazard_rate", hazard_rate)
        self.observation_space = spaces.Box(0.0, 1.0, (1,), np.float32)
        self.action_space = spaces.Discrete(2)
        self.probabilities = np.zeros((num_envs, 2))
        self.choices = np.zeros(num_envs, dtype=np.int64)
        self.state = ReversalBanditState(
            self.stream_base, self.trial, self.event_flags, self.probabilities, self.choices,
            self.initial_probabilities,
            np.array([self.trials_per_episode, _DRAWS.index(probability_draw),
                      self.block_length or 0]), np.array([self.hazard_rate]))


#: The arrays of :class:`ReversalBanditProgram` its compiled functions read and write: events in
#: ``trial_events`` order; ``ints`` = [trials_per_episode, probability draw (0 none,
#: 1 independent, 2 correlated), block_length (0: none)], ``floats`` = [hazard_rate].
ReversalBanditState = namedtuple(
    "ReversalBanditState",
    "stream_base trial events probabilities choices initial ints floats")


@task_jit
def reversal_bandit_start(s, b):
    """Trial 0; the arms' probabilities fixed, or drawn for the episode."""
    s.trial[b] = 0
    s.events[b, :] = False
    s.choices[b] = 0
    kind = s.ints[1]
    if kind == 0:
        s.probabilities[b, 0] = s.initial[0]
        s.probabilities[b, 1] = s.initial[1]
        return
    u0 = draw(s.stream_base[b], 0, 4, _ARM0)
    u1 = draw(s.stream_base[b], 0, 4, _ARM1)
    s.probabilities[b, 0] = u0
    s.probabilities[b, 1] = 1.0 - u0 if kind == 2 else u1


@task_jit
def reversal_bandit_advance(s, action, reward, terminated):
    """One trial per copy: a reversal (scheduled or by hazard), then the chosen arm's outcome."""
    block = s.ints[2]
    for b in range(s.choices.shape[0]):
        j = s.choices[b]
        u_reward = draw(s.stream_base[b], j, 4, _REWARD)
        u_hazard = draw(s.stream_base[b], j, 4, _HAZARD)
        reversal = j > 0 and u_hazard < s.floats[0]
        if block > 0:
            reversal = reversal or (j > 0 and j % block == 0)
        if reversal:
            p0 = s.probabilities[b, 0]
            s.probabilities[b, 0] = s.probabilities[b, 1]
            s.probabilities[b, 1] = p0
        rewarded = u_reward < s.probabilities[b, action[b]]
        s.trial[b] = j
        s.choices[b] = j + 1
        s.events[b, 0] = True
        s.events[b, 1] = rewarded
        s.events[b, 2] = reversal
        reward[b] = 1.0 if rewarded else 0.0
        terminated[b] = s.choices[b] == s.ints[0]


@task_jit
def reversal_bandit_observe(s, obs):
    """The constant "choose" signal."""
    obs[:, 0] = 1.0


register_kernels(ReversalBanditState, reversal_bandit_start, reversal_bandit_advance,
                 reversal_bandit_observe)


class ReversalBandit(TaskEnv):
    """Two-armed bandit with reversals; Meta-RL episodes in the style of Wang et al. (2018).

    ## Description

    Every step is one trial: the agent chooses an arm and is rewarded with
    that arm's current probability. The arms' probabilities swap (a reversal)
    every ``block_length`` trials and, independently, with probability
    ``hazard_rate`` before any trial. An episode is ``trials_per_episode``
    trials. With ``probability_draw`` the probabilities are drawn anew for
    each episode, so a recurrent agent trained across episodes learns to learn
    within one (prefrontal Meta-RL, Wang et al., 2018): ``"independent"`` draws
    each arm from U(0, 1), ``"correlated"`` draws p ~ U(0, 1) for arm 0 and
    gives 1 - p to arm 1.

    ## Action Space

    ``Discrete(2)``: the chosen arm.

    ## Observation Space

    ``Box(0, 1, shape=(1,), dtype=float32)``: a constant 1, the "choose" signal. What
    the agent learns from is its own previous action and the reward, which the
    circuit receives as inputs.

    ## Rewards

    1 with the chosen arm's current probability, 0 otherwise.

    ## Starting State

    Arm probabilities ``reward_probabilities`` (default (0.8, 0.2)) or drawn
    per episode (see Description). The current values are exposed as
    ``env.unwrapped.reward_probabilities``.

    ## Episode End

    Terminates after ``trials_per_episode`` trials (steps).

    ## Trial structure in ``info``

    The step that reports trial ``j``'s outcome has ``trial = j`` and
    ``t_in_trial = 0``; the reset observation is labelled trial 0 with no
    events. Events: ``"choice"`` (a choice was made: every step),
    ``"reward"`` (it was rewarded) and ``"reversal"`` (trial ``j`` is the first
    one under swapped probabilities).

    ## Arguments

    trials_per_episode : int, default 100
        Trials per episode (>= 1).
    reward_probabilities : (float, float), default (0.8, 0.2)
        Initial reward probabilities of arms 0 and 1; excludes ``probability_draw``.
    probability_draw : {None, "independent", "correlated"}, default None
        Draw the probabilities per episode instead.
    block_length : int or None, default 50
        Reverse every ``block_length`` trials (None: no scheduled reversals).
    hazard_rate : float, default 0.0
        Probability of a reversal before each trial.
    """

    program_class = ReversalBanditProgram
    trial_events = ReversalBanditProgram.trial_events

    def __init__(
        self,
        trials_per_episode: int = 100,
        reward_probabilities: Sequence[float] | None = None,
        probability_draw: str | None = None,
        block_length: int | None = 50,
        hazard_rate: float = 0.0,
    ):
        super().__init__(
            trials_per_episode=trials_per_episode,
            reward_probabilities=reward_probabilities,
            probability_draw=probability_draw,
            block_length=block_length,
            hazard_rate=hazard_rate,
        )

    @property
    def reward_probabilities(self) -> np.ndarray:
        """Current reward probability of each arm, shape (2,)."""
        return self.program.probabilities[0].copy()


class ReversalBanditVector(TaskVectorEnv):
    """Native vector version of :class:`ReversalBandit` (same arguments plus ``num_envs``)."""

    program_class = ReversalBanditProgram
    trial_events = ReversalBanditProgram.trial_events

    @property
    def reward_probabilities(self) -> np.ndarray:
        """Current reward probability of each arm in each copy, shape (num_envs, 2)."""
        return self.program.probabilities.copy()
