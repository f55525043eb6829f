"""MemoryChain (bsuite ``memory_chain``): remember a context bit over a delay."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskProgram, TaskVectorEnv, register_kernels, task_jit
from .counter_rng import draw
from .validation import check_int

__all__ = ["MemoryChain", "MemoryChainVector"]


class MemoryChainProgram(TaskProgram):
    """Array program of :class:`MemoryChain`."""

    def __init__(self, num_envs: int, memory_length: int = 5, num_bits: int = 1):
        self.memory_length = check_int("memory_length", memory_length, 1)
        self.num_bits = check_int("num_bits", num_bits, 1)
        # Stream 0 draws the query, streams 1.. the context bits (all at step 0).
        self.n_streams = 1 + self.num_bits
        super().__init__(num_envs)
        low = np.zeros(2 + self.num_bits, dtype=np.float32)
        low[2:] = -1.0
        high = np.ones(2 + self.num_bits, dtype=np.float32)
        # A looser bound than num_bits - 1 keeps low < high when there is one bit.
        high[1] = max(self.num_bits - 1, 1)
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.t = np.zeros(num_envs, dtype=np.int64)
        # bsuite computes a step's observation before advancing its clock, so the
        # observation after step k shows clock k - 1 (and the context appears twice).
        self.clock = np.zeros(num_envs, dtype=np.int64)
        self.query = np.zeros(num_envs, dtype=np.int64)
        self.answer = np.zeros(num_envs, dtype=np.int64)
        self.signed_context = np.zeros((num_envs, self.num_bits), dtype=np.float32)
        # Observation rows by clock with only the countdown filled in.
        self._rows = np.zeros((self.memory_length + 1, 2 + self.num_bits), dtype=np.float32)
        self._rows[:, 0] = 1.0 - np.arange(self.memory_length + 1) / self.memory_length
        self.state = MemoryChainState(self.stream_base, self.t, self.clock, self.query, self.answer,
                                      self.signed_context, self._rows,
                                      np.array([self.memory_length, self.num_bits]))


#: The arrays of :class:`MemoryChainProgram` its compiled functions read and write; ``rows`` the
#: observation by clock with only the countdown filled in, ``ints`` = [memory_length, num_bits].
MemoryChainState = namedtuple("MemoryChainState",
                              "stream_base t clock query answer signed_context rows ints")


@task_jit
def memory_chain_start(s, b):
    """Draw copy ``b``'s context bits (streams 1..) and query (stream 0), all at step 0."""
    num_bits = s.ints[1]
    base = s.stream_base[b]
    for j in range(num_bits):
        bit = draw(base, 0, 1 + num_bits, 1 + j) < 0.5
        s.signed_context[b, j] = 1.0 if bit else -1.0
    if num_bits == 1:  # the query is always bit 0
        s.answer[b] = 1 if s.signed_context[b, 0] > 0 else 0
    else:
        query = np.int64(draw(base, 0, 1 + num_bits, 0) * num_bits)
        s.query[b] = query
        s.answer[b] = 1 if s.signed_context[b, query] > 0 else 0
    s.t[b] = 0
    s.clock[b] = 0


@task_jit
def memory_chain_advance(s, action, reward, terminated):
    """The clock moves on; the last step pays ±1 for reporting the queried bit."""
    memory_length = s.ints[0]
    for b in range(s.t.shape[0]):
        s.clock[b] = s.t[b]
        s.t[b] += 1
        terminated[b] = s.clock[b] == memory_length
        reward[b] = (1.0 if action[b] == s.answer[b] else -1.0) if terminated[b] else 0.0


@task_jit
def memory_chain_observe(s, obs):
    """The countdown; the context while clock = 0; the query index on the query step."""
    memory_length, num_bits = s.ints[0], s.ints[1]
    for b in range(s.t.shape[0]):
        # clamped: stepping a finished episode again must not index past the table
        clock = min(s.clock[b], memory_length)
        for j in range(2):
            obs[b, j] = s.rows[clock, j]
        on = np.float32(1.0) if clock == 0 else np.float32(0.0)  # ±1 × 0 keeps its sign
        for j in range(num_bits):
            obs[b, 2 + j] = s.signed_context[b, j] * on
        if num_bits > 1:  # with one bit the query index is always 0
            obs[b, 1] = np.float32(s.query[b] * (1 if clock == memory_length - 1 else 0))


register_kernels(MemoryChainState, memory_chain_start, memory_chain_advance, memory_chain_observe)


class MemoryChain(TaskEnv):
    """Remember a context bit shown at the start and report it at the end.

    ## Description

    The bsuite ``memory_chain`` task (Osband et al., 2020), used by the RTRRL
    paper as MemoryChain-L. A random context of ``num_bits`` bits is shown at the
    first step; ``memory_length`` steps later the agent is asked to report the
    queried bit. Nothing in between carries information except a countdown.

    ## Action Space

    ``Discrete(2)``: the reported bit value. Actions only matter at the last
    step of the episode.

    ## Observation Space

    ``Box(shape=(2 + num_bits,), dtype=float32)``, following bsuite exactly:

    - ``obs[0] = 1 - clock / memory_length``, a countdown from 1 to 0;
    - ``obs[1]`` the index of the queried bit on the query step
      (``clock == memory_length - 1``), 0 otherwise; with one bit it is always 0,
      so the countdown is what tells the agent the query step has come;
    - ``obs[2:] = 2 * context - 1`` (±1) while ``clock == 0``, 0 otherwise.

    Here ``clock`` is 0 at reset and ``k - 1`` after step ``k``: like bsuite,
    the first step repeats the reset observation, context included.

    ## Rewards

    0 on every step but the last; on step ``memory_length + 1`` the reward is
    +1 if the action equals the queried context bit and -1 otherwise.

    ## Starting State

    Each context bit is 0 or 1 with probability 1/2 and the queried bit is
    uniform over the ``num_bits`` bits, drawn at every reset.

    ## Episode End

    Terminates after ``memory_length + 1`` steps. Never truncates by itself.

    ## Arguments

    memory_length : int, default 5
        Steps between the context and the query (>= 1).
    num_bits : int, default 1
        Number of context bits (>= 1).
    """

    program_class = MemoryChainProgram

    def __init__(self, memory_length: int = 5, num_bits: int = 1):
        super().__init__(memory_length=memory_length, num_bits=num_bits)


class MemoryChainVector(TaskVectorEnv):
    """Native vector version of :class:`MemoryChain` (same arguments plus ``num_envs``)."""

    program_class = MemoryChainProgram
