"""DelayedMatch: delayed match-to-sample, a working-memory paradigm."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskVectorEnv, TrialProgram, register_kernels, task_jit
from .counter_rng import draw
from .validation import check_int, check_probability, check_real

__all__ = ["DelayedMatch", "DelayedMatchVector"]

# Random streams per trial: sample stimulus, match draw, non-match test stimulus.
_SAMPLE, _MATCH, _OTHER = range(3)


class DelayedMatchProgram(TrialProgram):
    """Array program of :class:`DelayedMatch`."""

    n_streams = 3
    trial_events = ("sample", "test", "reward", "error")

    def __init__(
        self,
        num_envs: int,
        delay: int = 5,
        n_stimuli: int = 2,
        trials_per_episode: int = 20,
        fixation: int = 1,
        sample_duration: int = 1,
        match_probability: float = 0.5,
        error_reward: float = 0.0,
    ):
        super().__init__(num_envs)
        self.delay = check_int("delay", delay, 0)
        self.n_stimuli = check_int("n_stimuli", n_stimuli, 2)
        self.n_trials = check_int("trials_per_episode", trials_per_episode, 1)
        # At least one blank step, so a sample never falls on a reset.
        self.fixation = check_int("fixation", fixation, 1)
        self.sample_duration = check_int("sample_duration", sample_duration, 1)
        self.match_probability = check_probability("match_probability", match_probability)
        self.error_reward = check_real("error_reward", error_reward)
        self.test_time = self.fixation + self.sample_duration + self.delay
        self.trial_length = self.test_time + 2  # test step, then the outcome step
        self.observation_space = spaces.Box(0.0, 1.0, (self.n_stimuli + 1,), np.float32)
        self.action_space = spaces.Discrete(2)
        self.sample = np.zeros((num_envs, self.n_trials), dtype=np.int64)
        self.test = np.zeros((num_envs, self.n_trials), dtype=np.int64)
        self.match = np.zeros((num_envs, self.n_trials), dtype=bool)
        self.state = DelayedMatchState(
            self.stream_base, self.trial, self.t_in_trial, self.event_flags, self.sample,
            self.test, self.match,
            np.array([self.n_stimuli, self.n_trials, self.fixation, self.sample_duration,
                      self.test_time, self.trial_length]),
            np.array([self.match_probability, self.error_reward]))


#: The arrays of :class:`DelayedMatchProgram` its compiled functions read and write: events in
#: ``trial_events`` order, the episode's samples, tests and match flags per (copy, trial);
#: ``ints`` = [n_stimuli, n_trials, fixation, sample_duration, test_time, trial_length],
#: ``floats`` = [match_probability, error_reward].
DelayedMatchState = namedtuple(
    "DelayedMatchState",
    "stream_base trial t_in_trial events sample test match ints floats")


@task_jit
def delayed_match_start(s, b):
    """Draw the episode's samples, match flags and tests (a non-match uniform over the others)."""
    n_stimuli, n_trials = s.ints[0], s.ints[1]
    s.trial[b] = 0
    s.t_in_trial[b] = 0
    s.events[b, :] = False
    for k in range(n_trials):
        sample = np.int64(draw(s.stream_base[b], k, 3, _SAMPLE) * n_stimuli)
        match = draw(s.stream_base[b], k, 3, _MATCH) < s.floats[0]
        other = sample + 1 + np.int64(draw(s.stream_base[b], k, 3, _OTHER) * (n_stimuli - 1))
        s.sample[b, k] = sample
        s.match[b, k] = match
        s.test[b, k] = sample if match else other % n_stimuli


@task_jit
def delayed_match_advance(s, action, reward, terminated):
    """The trial clock; the answer given on the test step is scored on the outcome step."""
    n_trials, fixation, test_time, trial_length = s.ints[1], s.ints[2], s.ints[4], s.ints[5]
    for b in range(s.trial.shape[0]):
        k = s.trial[b]
        responding = s.t_in_trial[b] == test_time
        correct = (action[b] == 1) == s.match[b, k]
        t = s.t_in_trial[b] + 1
        ended = t == trial_length
        # terminal copies stay on the last trial (they are restarted next anyway)
        s.trial[b] = min(k + (1 if ended else 0), n_trials - 1)
        s.t_in_trial[b] = 0 if ended else t
        s.events[b, 0] = s.t_in_trial[b] == fixation
        s.events[b, 1] = s.t_in_trial[b] == test_time
        s.events[b, 2] = responding and correct
        s.events[b, 3] = responding and not correct
        reward[b] = (1.0 if correct else s.floats[1]) if responding else 0.0
        terminated[b] = k == n_trials - 1 and t == trial_length - 1


@task_jit
def delayed_match_observe(s, obs):
    """The sample (or test) stimulus one-hot, and the response flag on the test step."""
    fixation, sample_duration, test_time = s.ints[2], s.ints[3], s.ints[4]
    for b in range(s.trial.shape[0]):
        k = s.trial[b]
        t = s.t_in_trial[b]
        obs[b, :] = 0.0
        sampling = t >= fixation and t < fixation + sample_duration
        testing = t == test_time
        stimulus = s.test[b, k] if testing else s.sample[b, k]
        obs[b, stimulus] = 1.0 if sampling or testing else 0.0
        obs[b, obs.shape[1] - 1] = 1.0 if testing else 0.0


register_kernels(DelayedMatchState, delayed_match_start, delayed_match_advance,
                 delayed_match_observe)


class DelayedMatch(TaskEnv):
    """Delayed match-to-sample: is the test stimulus the one shown before the delay?

    ## Description

    A working-memory paradigm (e.g. Miller, Erickson & Desimone, 1996). Each
    trial runs, in steps (``t_in_trial``):

    - ``0 .. fixation - 1``: blank;
    - ``fixation .. fixation + sample_duration - 1``: the sample stimulus;
    - ``delay`` blank steps;
    - ``test_time = fixation + sample_duration + delay``: the test stimulus,
      with the response flag on; the action taken on this step is the answer;
    - ``test_time + 1``: blank outcome step carrying the reward; the next
      trial starts after it.

    The test matches the sample with probability ``match_probability``;
    otherwise it is uniform over the other stimuli. An episode is
    ``trials_per_episode`` trials.

    ## Action Space

    ``Discrete(2)``: 1 = "match", 0 = "non-match". Only the action taken while
    the test is shown counts.

    ## Observation Space

    ``Box(0, 1, shape=(n_stimuli + 1,), dtype=float32)``: a one-hot of the
    stimulus shown (sample or test, in the same channels), and a last channel
    that is 1 on the test step.

    ## Rewards

    On the outcome step, 1 for a correct answer and ``error_reward`` for a
    wrong one; 0 on all other steps.

    ## Starting State

    Trial 0, ``t_in_trial = 0``; samples, match draws and tests of the whole
    episode are drawn from the seed.

    ## Episode End

    Terminates on the outcome step of the last trial.

    ## Trial structure in ``info``

    ``trial`` and ``t_in_trial`` of the returned observation and the events
    ``"sample"`` (sample onset), ``"test"`` (test onset), ``"reward"``
    (correct answer rewarded on this step) and ``"error"`` (wrong answer).

    ## Arguments

    delay : int, default 5
        Blank steps between sample and test (>= 0).
    n_stimuli : int, default 2
        Number of stimuli (>= 2).
    trials_per_episode : int, default 20
        Trials per episode (>= 1).
    fixation : int, default 1
        Blank steps before the sample (>= 1).
    sample_duration : int, default 1
        Steps the sample is shown (>= 1).
    match_probability : float, default 0.5
        Probability that the test matches the sample.
    error_reward : float, default 0.0
        Reward for a wrong answer (e.g. -1 for a symmetric task).
    """

    program_class = DelayedMatchProgram
    trial_events = DelayedMatchProgram.trial_events

    def __init__(
        self,
        delay: int = 5,
        n_stimuli: int = 2,
        trials_per_episode: int = 20,
        fixation: int = 1,
        sample_duration: int = 1,
        match_probability: float = 0.5,
        error_reward: float = 0.0,
    ):
        super().__init__(
            delay=delay,
            n_stimuli=n_stimuli,
            trials_per_episode=trials_per_episode,
            fixation=fixation,
            sample_duration=sample_duration,
            match_probability=match_probability,
            error_reward=error_reward,
        )


class DelayedMatchVector(TaskVectorEnv):
    """Native vector version of :class:`DelayedMatch` (same arguments plus ``num_envs``)."""

    program_class = DelayedMatchProgram
    trial_events = DelayedMatchProgram.trial_events
