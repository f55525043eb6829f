"""DelayedMatch: delayed match-to-sample, a working-memory paradigm."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskVectorEnv, TrialProgram
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
        self._start_draws = self.stream_offsets(
            np.arange(self.n_trials)[:, None], np.arange(self.n_streams)
        )

    def _start(self, idx: np.ndarray) -> None:
        u = self.random(idx, self._start_draws)
        sample = (u[..., _SAMPLE] * self.n_stimuli).astype(np.int64)
        match = u[..., _MATCH] < self.match_probability
        # A non-match test is uniform over the other stimuli.
        other = (sample + 1 + (u[..., _OTHER] * (self.n_stimuli - 1)).astype(np.int64))
        self.sample[idx] = sample
        self.match[idx] = match
        self.test[idx] = np.where(match, sample, other % self.n_stimuli)

    def advance(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows, k = self.all, self.trial
        responding = self.t_in_trial == self.test_time
        correct = (action == 1) == self.match[rows, k]
        t = self.t_in_trial + 1
        ended = t == self.trial_length
        # Terminal copies stay on the last trial (they are restarted next anyway).
        self.trial = np.minimum(k + ended, self.n_trials - 1)
        self.t_in_trial = np.where(ended, 0, t)
        self.events["sample"] = self.t_in_trial == self.fixation
        self.events["test"] = self.t_in_trial == self.test_time
        self.events["reward"] = responding & correct
        self.events["error"] = responding & ~correct
        reward = np.where(responding, np.where(correct, 1.0, self.error_reward), 0.0)
        terminated = (k == self.n_trials - 1) & (t == self.trial_length - 1)
        return reward, terminated

    def observe(self) -> np.ndarray:
        rows, k, t = self.all, self.trial, self.t_in_trial
        obs = np.zeros((self.num_envs, self.n_stimuli + 1), dtype=np.float32)
        sampling = (t >= self.fixation) & (t < self.fixation + self.sample_duration)
        testing = t == self.test_time
        stimulus = np.where(testing, self.test[rows, k], self.sample[rows, k])
        obs[rows, stimulus] = sampling | testing
        obs[:, -1] = testing
        return obs


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
