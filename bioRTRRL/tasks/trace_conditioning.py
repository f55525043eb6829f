"""TraceConditioning: Pavlovian trace conditioning with probes and cue schedules."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from .base import TaskEnv, TaskVectorEnv, TrialProgram, register_kernels, task_jit
from .counter_rng import draw
from .validation import check_int, check_probability, check_real

__all__ = ["Phase", "TraceConditioning", "TraceConditioningVector", "TrialType"]

# Random streams per trial.
_TYPE, _JITTER, _ITI, _PROBE, _REWARD = range(5)


@dataclass(frozen=True)
class TrialType:
    """One kind of trial within a phase.

    Attributes
    ----------
    cues : tuple of str
        Cues shown together at cue onset (a compound when several; none gives
        an unsignalled US).
    reward_probability : float
        Probability that the US is delivered on a non-probe trial.
    omission_probability : float
        Probability that the trial is a probe: the US is withheld regardless
        of ``reward_probability``.
    magnitude : float
        Size of the US.
    weight : float
        Relative frequency of this trial type within its phase (> 0).
    """

    cues: tuple[str, ...]
    reward_probability: float = 1.0
    omission_probability: float = 0.0
    magnitude: float = 1.0
    weight: float = 1.0


@dataclass(frozen=True)
class Phase:
    """A block of ``trials`` trials whose types are drawn from ``trial_types``."""

    trials: int
    trial_types: tuple[TrialType, ...]
    name: str = ""


def _parse_trial_type(where: str, spec: TrialType | Mapping[str, Any]) -> TrialType:
    if isinstance(spec, TrialType):
        spec = spec.__dict__
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where} must be a mapping, got {spec!r}")
    unknown = set(spec) - set(TrialType.__dataclass_fields__)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")
    if "cues" not in spec:
        raise ValueError(f"{where}.cues is required (use [] for an unsignalled US)")
    cues = spec["cues"]
    if isinstance(cues, str) or not isinstance(cues, Sequence):
        raise ValueError(f"{where}.cues must be a list of cue names, got {cues!r}")
    for cue in cues:
        if not isinstance(cue, str) or not cue:
            raise ValueError(f"{where}.cues: cue names must be non-empty strings, got {cue!r}")
    if len(set(cues)) != len(cues):
        raise ValueError(f"{where}.cues repeats a cue: {list(cues)}")
    weight = check_real(f"{where}.weight", spec.get("weight", 1.0), 0.0)
    if weight == 0.0:
        raise ValueError(f"{where}.weight must be > 0")
    return TrialType(
        cues=tuple(cues),
        reward_probability=check_probability(
            f"{where}.reward_probability", spec.get("reward_probability", 1.0)
        ),
        omission_probability=check_probability(
            f"{where}.omission_probability", spec.get("omission_probability", 0.0)
        ),
        magnitude=check_real(f"{where}.magnitude", spec.get("magnitude", 1.0)),
        weight=weight,
    )


def parse_phases(phases: Sequence[Phase | Mapping[str, Any]]) -> tuple[Phase, ...]:
    """Validate a phase schedule given as dicts (e.g. from TOML) or dataclasses.

    Raises
    ------
    ValueError
        Naming the offending entry, e.g. ``phases[1].trial_types[0].weight``.
    """
    if isinstance(phases, (str, Mapping)) or not isinstance(phases, Sequence) or not phases:
        raise ValueError(f"phases must be a non-empty list of phases, got {phases!r}")
    parsed = []
    for i, phase in enumerate(phases):
        where = f"phases[{i}]"
        if isinstance(phase, Phase):
            phase = phase.__dict__
        if not isinstance(phase, Mapping):
            raise ValueError(f"{where} must be a mapping, got {phase!r}")
        unknown = set(phase) - set(Phase.__dataclass_fields__)
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")
        for key in ("trials", "trial_types"):
            if key not in phase:
                raise ValueError(f"{where}.{key} is required")
        types = phase["trial_types"]
        if isinstance(types, (str, Mapping)) or not isinstance(types, Sequence) or not types:
            raise ValueError(f"{where}.trial_types must be a non-empty list, got {types!r}")
        name = phase.get("name", "")
        if not isinstance(name, str):
            raise ValueError(f"{where}.name must be a string, got {name!r}")
        parsed.append(
            Phase(
                trials=check_int(f"{where}.trials", phase["trials"], 1),
                trial_types=tuple(
                    _parse_trial_type(f"{where}.trial_types[{j}]", t)
                    for j, t in enumerate(types)
                ),
                name=name,
            )
        )
    return tuple(parsed)


def _check_iti(iti: Any) -> tuple[int, int]:
    if isinstance(iti, Sequence) and not isinstance(iti, str):
        if len(iti) != 2:
            raise ValueError(f"iti must be an integer or a (min, max) pair, got {iti!r}")
        low, high = (check_int("iti", v, 0) for v in iti)
        if low > high:
            raise ValueError(f"iti: min {low} exceeds max {high}")
        return low, high
    fixed = check_int("iti", iti, 0)
    return fixed, fixed


class TraceConditioningProgram(TrialProgram):
    """Array program of :class:`TraceConditioning`."""

    n_streams = 5
    base_events = ("cue", "reward", "omission", "probe")

    def __init__(
        self,
        num_envs: int,
        n_trials: int | None = None,
        reward_probability: float | None = None,
        omission_probability: float | None = None,
        reward_magnitude: float | None = None,
        phases: Sequence[Phase | Mapping[str, Any]] | None = None,
        delay: int = 5,
        cue_time: int = 5,
        cue_jitter: int = 0,
        cue_duration: int = 1,
        iti: int | Sequence[int] = (5, 15),
        lick: bool = False,
        lick_cost: float = 0.0,
    ):
        if phases is None:
            default_type = TrialType(
                cues=("A",),
                reward_probability=check_probability(
                    "reward_probability", 1.0 if reward_probability is None else reward_probability
                ),
                omission_probability=check_probability(
                    "omission_probability",
                    0.0 if omission_probability is None else omission_probability,
                ),
                magnitude=check_real(
                    "reward_magnitude", 1.0 if reward_magnitude is None else reward_magnitude
                ),
            )
            trials = check_int("n_trials", 100 if n_trials is None else n_trials, 1)
            self.phases = (Phase(trials=trials, trial_types=(default_type,)),)
        else:
            simple = {
                "n_trials": n_trials,
                "reward_probability": reward_probability,
                "omission_probability": omission_probability,
                "reward_magnitude": reward_magnitude,
            }
            given = [arg for arg, value in simple.items() if value is not None]
            if given:
                raise ValueError(
                    f"{', '.join(given)}: give either phases or the single-phase "
                    "arguments (n_trials, reward_probability, omission_probability, "
                    "reward_magnitude), not both"
                )
            self.phases = parse_phases(phases)
        self.delay = check_int("delay", delay, 0)
        # The first step of every trial is blank, so a cue never falls on a reset.
        self.cue_time = check_int("cue_time", cue_time, 1)
        self.cue_jitter = check_int("cue_jitter", cue_jitter, 0)
        self.cue_duration = check_int("cue_duration", cue_duration, 1)
        self.iti = _check_iti(iti)
        self.lick = bool(lick)
        self.lick_cost = check_real("lick_cost", lick_cost, 0.0)
        if self.lick_cost and not self.lick:
            raise ValueError("lick_cost needs lick=True (there is no lick action otherwise)")

        types = [t for phase in self.phases for t in phase.trial_types]
        self.cue_names = tuple(dict.fromkeys(c for t in types for c in t.cues))
        self.trial_events = (
            self.base_events
            + tuple(f"cue_{c}" for c in self.cue_names)
            + (("lick",) if self.lick else ())
        )
        super().__init__(num_envs)

        self.cue_mask = np.array(
            [[c in t.cues for c in self.cue_names] for t in types], dtype=bool
        ).reshape(len(types), len(self.cue_names))
        self.has_cue = self.cue_mask.any(axis=1)
        self.magnitude = np.array([t.magnitude for t in types])
        self.p_reward = np.array([t.reward_probability for t in types])
        self.p_probe = np.array([t.omission_probability for t in types])
        # Trial types whose missing US counts as an omission.
        self.rewardable = self.p_reward > 0
        # Per trial of the schedule: its phase, and the cumulative type weights
        # of that phase (padded with inf) from which its type is drawn.
        self.phase_of_trial = np.repeat(
            np.arange(len(self.phases)), [p.trials for p in self.phases]
        )
        self.n_trials = len(self.phase_of_trial)
        first_type = np.cumsum([0] + [len(p.trial_types) for p in self.phases])[:-1]
        width = max(len(p.trial_types) for p in self.phases)
        cumulative = np.full((len(self.phases), width), np.inf)
        for i, phase in enumerate(self.phases):
            weights = np.array([t.weight for t in phase.trial_types])
            # The last boundary is inf so rounding can never push u past it.
            cumulative[i, : len(weights) - 1] = np.cumsum(weights)[:-1] / weights.sum()
        self.observation_space = spaces.Box(0.0, 1.0, (len(self.cue_names),), np.float32)
        self.action_space = spaces.Discrete(2 if self.lick else 1)
        shape = (num_envs, self.n_trials)
        self.trial_type = np.zeros(shape, dtype=np.int64)
        self.onset = np.zeros(shape, dtype=np.int64)
        self.length = np.ones(shape, dtype=np.int64)
        self.delivered = np.zeros(shape, dtype=bool)
        self.probe = np.zeros(shape, dtype=bool)
        low, high = self.iti
        self.state = TraceConditioningState(
            self.stream_base, self.trial, self.t_in_trial, self.event_flags, self.trial_type,
            self.onset, self.length, self.delivered, self.probe, first_type[self.phase_of_trial],
            cumulative[self.phase_of_trial], self.cue_mask, self.has_cue, self.magnitude,
            self.p_reward, self.p_probe, self.rewardable,
            np.array([self.n_trials, self.cue_time, self.cue_jitter, low, high, self.delay,
                      self.cue_duration, int(self.lick)]), np.array([self.lick_cost]))

    def info(self) -> dict[str, np.ndarray]:
        info = super().info()
        info["phase"] = self.phase_of_trial[self.trial]
        info["trial_type"] = self.trial_type[self.all, self.trial]
        return info


#: The arrays of :class:`TraceConditioningProgram` its compiled functions read and write: the
#: copies' streams, trial clocks and event flags (in ``trial_events`` order: the base events, one
#: per cue, lick), the episode's schedule per (copy, trial), the per-trial type draw (first type
#: index of the trial's phase, cumulative weights padded with inf), the per-type tables, and
#: ``ints`` = [n_trials, cue_time, cue_jitter, iti_min, iti_max, delay, cue_duration, lick],
#: ``floats`` = [lick_cost].
TraceConditioningState = namedtuple(
    "TraceConditioningState",
    "stream_base trial t_in_trial events trial_type onset length delivered probe first_type "
    "cumulative cue_mask has_cue magnitude p_reward p_probe rewardable ints floats")


@task_jit
def trace_conditioning_start(s, b):
    """Draw copy ``b``'s whole schedule: per trial its type, cue onset, ITI, probe and delivery."""
    n_trials = s.ints[0]
    cue_time = s.ints[1]
    cue_jitter = s.ints[2]
    iti_low = s.ints[3]
    iti_high = s.ints[4]
    delay = s.ints[5]
    base = s.stream_base[b]
    s.trial[b] = 0
    s.t_in_trial[b] = 0
    s.events[b, :] = False
    for k in range(n_trials):
        u_type = draw(base, k, 5, _TYPE)
        local = 0
        for w in range(s.cumulative.shape[1]):
            if u_type >= s.cumulative[k, w]:
                local += 1
        kind = s.first_type[k] + local
        onset = cue_time + np.int64(draw(base, k, 5, _JITTER) * (cue_jitter + 1))
        iti = iti_low + np.int64(draw(base, k, 5, _ITI) * (iti_high - iti_low + 1))
        probe = draw(base, k, 5, _PROBE) < s.p_probe[kind]
        s.trial_type[b, k] = kind
        s.onset[b, k] = onset
        s.length[b, k] = onset + delay + 1 + iti
        s.probe[b, k] = probe
        s.delivered[b, k] = not probe and draw(base, k, 5, _REWARD) < s.p_reward[kind]


@task_jit
def trace_conditioning_advance(s, action, reward, terminated):
    """One step of every copy: the trial clock, the events, the US and the lick cost."""
    n_trials = s.ints[0]
    delay = s.ints[5]
    lick = s.ints[7] == 1
    n_cues = s.cue_mask.shape[1]
    for b in range(s.trial.shape[0]):
        t = s.t_in_trial[b] + 1
        ended = t >= s.length[b, s.trial[b]]
        # terminal copies stay on the last trial (they are restarted next anyway)
        k = min(s.trial[b] + (1 if ended else 0), n_trials - 1)
        if ended:
            t = 0
        s.trial[b] = k
        s.t_in_trial[b] = t
        kind = s.trial_type[b, k]
        cue_onset = t == s.onset[b, k]
        us_time = t == s.onset[b, k] + delay
        delivered = s.delivered[b, k]
        s.events[b, 0] = cue_onset and s.has_cue[kind]
        s.events[b, 1] = us_time and delivered
        s.events[b, 2] = us_time and not delivered and s.rewardable[kind]
        s.events[b, 3] = us_time and s.probe[b, k]
        for c in range(n_cues):
            s.events[b, 4 + c] = cue_onset and s.cue_mask[kind, c]
        r = s.magnitude[kind] if s.events[b, 1] else 0.0
        if lick:
            s.events[b, 4 + n_cues] = action[b] == 1
            r -= s.floats[0] * (1.0 if s.events[b, 4 + n_cues] else 0.0)
        reward[b] = r
        terminated[b] = k == n_trials - 1 and t == s.length[b, n_trials - 1] - 1


@task_jit
def trace_conditioning_observe(s, obs):
    """Each cue channel of the trial's type is 1 from its onset for ``cue_duration`` steps."""
    cue_duration = s.ints[6]
    for b in range(s.trial.shape[0]):
        k = s.trial[b]
        t = s.t_in_trial[b]
        onset = s.onset[b, k]
        shown = t >= onset and t < onset + cue_duration
        kind = s.trial_type[b, k]
        for c in range(s.cue_mask.shape[1]):
            obs[b, c] = np.float32(1.0 if shown and s.cue_mask[kind, c] else 0.0)


register_kernels(TraceConditioningState, trace_conditioning_start, trace_conditioning_advance,
                 trace_conditioning_observe)


class TraceConditioning(TaskEnv):
    """Pavlovian trace conditioning: cues (CS) predict a delayed reward (US).

    ## Description

    The paradigm of the classic dopamine recordings (Schultz, Dayan & Montague,
    1997): a cue is followed, after a fixed trace interval, by a reward. A
    TD-learning circuit's dopamine response should move from the reward to the
    cue with learning and dip when an expected reward is omitted.

    One episode is a whole session of trials, so learning happens across the
    trials within an episode. Each trial runs, in steps (``t_in_trial``):

    - ``0 .. onset - 1``: blank, with ``onset = cue_time + U{0..cue_jitter}``;
    - ``onset``: cue onset; the trial's cue channels stay on for
      ``cue_duration`` steps (clipped by the end of the trial);
    - ``onset + delay``: US time; the US is delivered unless the trial is a
      probe or loses its ``reward_probability`` draw;
    - then an inter-trial interval of ``U{iti_min..iti_max}`` blank steps, after
      which the next trial starts at ``t_in_trial = 0``.

    Cue contingencies are given as a schedule of phases, which expresses
    acquisition, extinction, blocking, overshadowing, conditioned inhibition
    and partial-reinforcement designs. A phase is a mapping::

        {"trials": 200, "name": "pretraining",              # name optional
         "trial_types": [
             {"cues": ["A"], "reward_probability": 1.0,     # all keys but cues optional
              "omission_probability": 0.0, "magnitude": 1.0, "weight": 1.0},
             ...]}

    Each trial of a phase draws its type with probability proportional to
    ``weight``. Blocking, for example::

        phases=[
            {"trials": 200, "trial_types": [{"cues": ["A"]}]},
            {"trials": 200, "trial_types": [{"cues": ["A", "X"]}]},
            {"trials": 20, "trial_types": [{"cues": ["X"], "omission_probability": 1.0}]},
        ]

    The same schedule works as TOML arrays of tables. Without ``phases`` the
    session is one phase of ``n_trials`` trials of a single cue ``"A"``.

    ## Action Space

    ``Discrete(1)`` (a single no-op: purely Pavlovian), or with ``lick=True``
    ``Discrete(2)``: 0 = no lick, 1 = lick. Licking never changes the US; it
    only costs ``lick_cost``, so anticipatory licking is a behavioural readout.

    ## Observation Space

    ``Box(0, 1, shape=(n_cues,), dtype=float32)``: one channel per cue, in
    order of first appearance in the schedule (``env.unwrapped.cue_names``),
    1 while that cue is shown. The reward itself is not observed: the agent
    receives it as the reward.

    ## Rewards

    The trial type's ``magnitude`` on the step at US time when the US is
    delivered, minus ``lick_cost`` on every step whose action is a lick.

    ## Starting State

    Trial 0, ``t_in_trial = 0``; the whole schedule of the episode (trial
    types, jitters, intervals, probes, deliveries) is drawn from the seed.

    ## Episode End

    Terminates on the last step of the last trial's inter-trial interval.

    ## Trial structure in ``info``

    ``trial`` and ``t_in_trial`` of the returned observation, ``phase`` and
    ``trial_type`` (index into the trial types of all phases, in order), and
    the bool events of :attr:`trial_events`:

    - ``"cue"``: onset of any cue; ``"cue_<name>"``: onset of that cue;
    - ``"reward"``: the US is delivered on this step;
    - ``"omission"``: US time of a trial whose type can be rewarded
      (``reward_probability > 0``) but whose US was withheld, by a probe or by
      partial reinforcement;
    - ``"probe"``: US time of a probe trial (a subset of the omissions when
      ``reward_probability > 0``);
    - ``"lick"`` (only with ``lick=True``): the action of this step was a lick.

    ## Arguments

    n_trials : int, default 100
        Trials per episode when ``phases`` is not given (>= 1).
    reward_probability : float, default 1.0
        P(US) on non-probe trials when ``phases`` is not given.
    omission_probability : float, default 0.0
        Fraction of probe trials when ``phases`` is not given.
    reward_magnitude : float, default 1.0
        US size when ``phases`` is not given.
    phases : list of mappings or :class:`Phase`, optional
        The schedule (see Description); excludes the four arguments above.
    delay : int, default 5
        Steps from cue onset to US (>= 0; 0 is simultaneous conditioning).
    cue_time : int, default 5
        Earliest cue onset within a trial (>= 1).
    cue_jitter : int, default 0
        Onset jitter: uniform extra steps in ``0..cue_jitter``.
    cue_duration : int, default 1
        Steps the cue stays on (>= 1; ``delay + 1`` gives delay conditioning).
    iti : int or (int, int), default (5, 15)
        Inter-trial interval after the US time, fixed or uniform in [min, max].
    lick : bool, default False
        Add the lick action.
    lick_cost : float, default 0.0
        Cost of a lick (>= 0; needs ``lick=True``).
    """

    program_class = TraceConditioningProgram
    trial_events = TraceConditioningProgram.base_events

    def __init__(
        self,
        n_trials: int | None = None,
        reward_probability: float | None = None,
        omission_probability: float | None = None,
        reward_magnitude: float | None = None,
        phases: Sequence[Phase | Mapping[str, Any]] | None = None,
        delay: int = 5,
        cue_time: int = 5,
        cue_jitter: int = 0,
        cue_duration: int = 1,
        iti: int | Sequence[int] = (5, 15),
        lick: bool = False,
        lick_cost: float = 0.0,
    ):
        super().__init__(
            n_trials=n_trials,
            reward_probability=reward_probability,
            omission_probability=omission_probability,
            reward_magnitude=reward_magnitude,
            phases=phases,
            delay=delay,
            cue_time=cue_time,
            cue_jitter=cue_jitter,
            cue_duration=cue_duration,
            iti=iti,
            lick=lick,
            lick_cost=lick_cost,
        )

    @property
    def cue_names(self) -> tuple[str, ...]:
        """Cue of each observation channel."""
        return self.program.cue_names


class TraceConditioningVector(TaskVectorEnv):
    """Native vector version of :class:`TraceConditioning` (same arguments plus ``num_envs``)."""

    program_class = TraceConditioningProgram
    trial_events = TraceConditioningProgram.base_events

    @property
    def cue_names(self) -> tuple[str, ...]:
        """Cue of each observation channel."""
        return self.program.cue_names
