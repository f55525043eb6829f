"""Tasks: Gymnasium environments and wrappers used by the circuit.

Importing this package registers every environment under the ``bioRTRRL/``
namespace: ``gymnasium.make("bioRTRRL/<Name>-v0", **kwargs)`` gives one
environment and ``gymnasium.make_vec("bioRTRRL/<Name>-v0", num_envs=n,
vectorization_mode="vector_entry_point", **kwargs)`` the native vector version
(copy ``i`` of a vector reset with ``seed=s`` replays
``gymnasium.make(...).reset(seed=s + i)``). Each task's dynamics are compiled
functions on a record of arrays (:mod:`.base`), which both front ends and the
compiled closed loop of a training session (:mod:`.compiled`) call.

bsuite tasks: MemoryChain, DeepSea, UmbrellaChain, DiscountingChain, Catch.
Neuroscience paradigms (trial structure in ``info``, event names in
``trial_events``): TraceConditioning, ReversalBandit, DelayedMatch,
ProbabilisticSelection, GridWorld.
Observation masks for POMDP versions of classic control: ObservationMask,
ObservationMaskVector, mask_indices.
"""

from .catch import Catch, CatchVector
from .deep_sea import DeepSea, DeepSeaVector
from .delayed_match import DelayedMatch, DelayedMatchVector
from .discounting_chain import DiscountingChain, DiscountingChainVector
from .grid_world import GridWorld, GridWorldVector
from .masks import NAMED_MASKS, ObservationMask, ObservationMaskVector, mask_indices
from .memory_chain import MemoryChain, MemoryChainVector
from .registration import TASKS, register_tasks
from .probabilistic_selection import ProbabilisticSelection, ProbabilisticSelectionVector
from .reversal_bandit import ReversalBandit, ReversalBanditVector
from .trace_conditioning import Phase, TraceConditioning, TraceConditioningVector, TrialType
from .umbrella_chain import UmbrellaChain, UmbrellaChainVector

TASK_IDS = register_tasks()

__all__ = [
    "NAMED_MASKS",
    "TASKS",
    "TASK_IDS",
    "Catch",
    "CatchVector",
    "DeepSea",
    "DeepSeaVector",
    "DelayedMatch",
    "DelayedMatchVector",
    "DiscountingChain",
    "DiscountingChainVector",
    "GridWorld",
    "GridWorldVector",
    "MemoryChain",
    "MemoryChainVector",
    "ObservationMask",
    "ObservationMaskVector",
    "Phase",
    "ProbabilisticSelection",
    "ProbabilisticSelectionVector",
    "ReversalBandit",
    "ReversalBanditVector",
    "TraceConditioning",
    "TraceConditioningVector",
    "TrialType",
    "UmbrellaChain",
    "UmbrellaChainVector",
    "mask_indices",
    "register_tasks",
]
