"""ProbabilisticSelection: the probabilistic selection task of Frank, Seeberger & O'Reilly (2004)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from itertools import combinations

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskVectorEnv, TrialProgram, register_kernels, task_jit
from .counter_rng import draw
from .validation import check_int

__all__ = ["PAIRS", "ProbabilisticSelection", "ProbabilisticSelectionVector", "REWARD_PROBABILITY",
           "STIMULI", "TEST_PAIRS", "TRAINING_PAIRS"]

#: The six stimuli (Hiragana characters in the study), in action / observation-channel order.
STIMULI = ("A", "B", "C", "D", "E", "F")
#: Probability that choosing each stimulus is rewarded (AB 80/20, CD 70/30, EF 60/40).
REWARD_PROBABILITY = (0.8, 0.2, 0.7, 0.3, 0.6, 0.4)
#: Training pairs (stimulus indices).
TRAINING_PAIRS = ((0, 1), (2, 3), (4, 5))
#: Test pairs: every pair of the six stimuli (the training pairs among them), as in the study.
TEST_PAIRS = tuple(combinations(range(6), 2))
PAIRS = {"train": TRAINING_PAIRS, "test": TEST_PAIRS}

# Random streams per trial: the pair of the next trial, the outcome of this one.
_PAIR, _OUTCOME = range(2)


class ProbabilisticSelectionProgram(TrialProgram):
    """Array program of :class:`ProbabilisticSelection`."""

    n_streams = 2
    trial_events = ("choice", "reward", "presented", "optimal")

    def __init__(self, num_envs: int, phase: str = "train", trials_per_episode: int = 1,
                 outcomes: Sequence[float] = (1.0, 0.0)):
        super().__init__(num_envs)
        if phase not in PAIRS:
            raise ValueError(f"phase must be one of {list(PAIRS)}, got {phase!r}")
        self.phase = phase
        self.pairs = np.array(PAIRS[phase], dtype=np.int64)
        self.trials_per_episode = check_int("trials_per_episode", trials_per_episode, 1)
        if isinstance(outcomes, str) or len(outcomes) != 2 or not all(
                isinstance(o, (int, float)) and not isinstance(o, bool) and np.isfinite(o)
                for o in outcomes):
            raise ValueError(f"outcomes must be two finite numbers (rewarded, not rewarded), "
                             f"got {outcomes!r}")
        self.outcomes = tuple(float(o) for o in outcomes)
        self.observation_space = spaces.Box(0.0, 1.0, (len(STIMULI),), np.float32)
        self.action_space = spaces.Discrete(len(STIMULI))
        self.pair = np.zeros((num_envs, 2), dtype=np.int64)
        self.choices = np.zeros(num_envs, dtype=np.int64)
        self.state = ProbabilisticSelectionState(
            self.stream_base, self.trial, self.event_flags, self.pair, self.choices, self.pairs,
            np.asarray(REWARD_PROBABILITY), np.array([self.trials_per_episode,
                                                      int(phase == "train")]),
            np.array(self.outcomes))


#: The arrays of :class:`ProbabilisticSelectionProgram` its compiled functions read and write:
#: events in ``trial_events`` order, the current pair, trials done, the phase's pairs, each
#: stimulus' reward probability; ``ints`` = [trials_per_episode, feedback (training phase)],
#: ``outcomes`` = (rewarded, not rewarded).
ProbabilisticSelectionState = namedtuple(
    "ProbabilisticSelectionState",
    "stream_base trial events pair choices pairs p ints outcomes")


@task_jit
def _draw_pair(s, b, counter):
    u = draw(s.stream_base[b], counter, 2, _PAIR)
    n = s.pairs.shape[0]
    k = min(np.int64(u * n), n - 1)
    s.pair[b, 0] = s.pairs[k, 0]
    s.pair[b, 1] = s.pairs[k, 1]


@task_jit
def probabilistic_selection_start(s, b):
    """Trial 0 and its pair."""
    s.trial[b] = 0
    s.events[b, :] = False
    s.choices[b] = 0
    _draw_pair(s, b, 0)


@task_jit
def probabilistic_selection_advance(s, action, reward, terminated):
    """The choice's outcome (feedback in the training phase only), then the next trial's pair."""
    feedback = s.ints[1] == 1
    for b in range(s.choices.shape[0]):
        j = s.choices[b]
        a = action[b]
        u = draw(s.stream_base[b], j, 2, _OUTCOME)
        presented = s.pair[b, 0] == a or s.pair[b, 1] == a
        rewarded = presented and u < s.p[a]
        other = s.pair[b, 1] if s.pair[b, 0] == a else s.pair[b, 0]
        if feedback:
            reward[b] = s.outcomes[0] if rewarded else s.outcomes[1]
        else:
            reward[b] = 0.0
        s.trial[b] = j
        s.choices[b] = j + 1
        s.events[b, 0] = True
        s.events[b, 1] = rewarded and feedback
        s.events[b, 2] = presented
        s.events[b, 3] = presented and s.p[a] > s.p[other]
        terminated[b] = s.choices[b] >= s.ints[0]
        if not terminated[b]:
            _draw_pair(s, b, s.choices[b])


@task_jit
def probabilistic_selection_observe(s, obs):
    """1 on the two stimuli shown; a blank screen once the episode has ended."""
    for b in range(s.choices.shape[0]):
        obs[b, :] = 0.0
        if s.choices[b] < s.ints[0]:
            obs[b, s.pair[b, 0]] = 1.0
            obs[b, s.pair[b, 1]] = 1.0


register_kernels(ProbabilisticSelectionState, probabilistic_selection_start,
                 probabilistic_selection_advance, probabilistic_selection_observe)


class ProbabilisticSelection(TaskEnv):
    """The probabilistic selection task (Frank, Seeberger & O'Reilly 2004, Science 306:1940).

    ## Description

    Every step is one trial: two of six stimuli A–F are shown and the agent chooses one. In the
    training phase the pairs are AB, CD and EF (equally often); choosing A, C or E is rewarded
    with probability 0.8, 0.7 and 0.6, choosing B, D or F with 0.2, 0.3 and 0.4. In the test
    phase every pair of the six stimuli is shown, without feedback. Learning to choose A
    (from positive outcomes) and learning to avoid B (from negative ones) are separated by the
    test pairs "choose A" (AC, AD, AE, AF) and "avoid B" (BC, BD, BE, BF): Parkinson's patients
    off medication avoid B better than they choose A, on L-DOPA the reverse (Frank et al. 2004,
    Fig. 2).

    ## Action Space

    ``Discrete(6)``: the chosen stimulus (0–5 = A–F). Choosing a stimulus that is not shown is
    never rewarded (the event ``presented`` is then 0); a circuit with
    ``circuit.cued_actions = true`` chooses only among the shown ones.

    ## Observation Space

    ``Box(0, 1, shape=(6,), dtype=float32)``: 1 on the channels of the two stimuli shown (which
    is left or right on the screen does not matter here), all 0 once the episode has ended.

    ## Rewards

    ``outcomes[0]`` (default 1) when the chosen stimulus is rewarded, ``outcomes[1]`` (default 0)
    otherwise; 0 on every test-phase trial (no feedback). ``outcomes = (0, -1)`` turns the task
    into learning from punishments alone (Potjans et al. 2011).

    ## Starting State

    The first trial's pair, drawn uniformly from the phase's pairs.

    ## Episode End

    Terminates after ``trials_per_episode`` trials (steps; default 1, so that every trial is a
    TD episode of its own and δ = r − v).

    ## Trial structure in ``info``

    The step that reports trial ``j``'s outcome has ``trial = j`` and ``t_in_trial = 0``; the
    reset observation is labelled trial 0 with no events. Events: ``"choice"`` (every step),
    ``"reward"`` (the choice was rewarded; never in the test phase), ``"presented"`` (the chosen
    stimulus was shown) and ``"optimal"`` (it was the one with the higher reward probability).

    ## Arguments

    phase : {"train", "test"}, default "train"
        Training pairs with feedback, or all fifteen pairs without.
    trials_per_episode : int, default 1
        Trials per episode (>= 1).
    outcomes : (float, float), default (1.0, 0.0)
        Reward of a rewarded and of an unrewarded choice.
    """

    program_class = ProbabilisticSelectionProgram
    trial_events = ProbabilisticSelectionProgram.trial_events

    def __init__(self, phase: str = "train", trials_per_episode: int = 1,
                 outcomes: Sequence[float] = (1.0, 0.0)):
        super().__init__(phase=phase, trials_per_episode=trials_per_episode, outcomes=outcomes)

    @property
    def pair(self) -> tuple[int, int]:
        """The stimuli (indices) of the current trial."""
        return tuple(int(s) for s in self.program.pair[0])


class ProbabilisticSelectionVector(TaskVectorEnv):
    """Native vector version of :class:`ProbabilisticSelection` (same arguments plus
    ``num_envs``)."""

    program_class = ProbabilisticSelectionProgram
    trial_events = ProbabilisticSelectionProgram.trial_events
