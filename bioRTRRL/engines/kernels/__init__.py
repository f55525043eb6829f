"""The per-tick mathematics of RTRRL (docs/algorithm.md §2–§5), compiled with numba.

One implementation of the learning rule, in named units that the reference engine composes
(:func:`tick`) and the tests call one by one:

============== ==================================================================================
module         unit
============== ==================================================================================
``config``     the configuration record (:data:`CONFIG`, a named field per option)
``layout``     the flat parameter vector [W | τ | K_A | w_C | b_C]
``cortex``     input adaptation, the CT-RNN rate unit, RFLO / RTRL / BPTT, the feedback signal
``heads``      critic value, actor outputs, discrete, Gaussian and D1/D2 opponent selection
``td``         dopamine δ (manipulations, dopamine neurons), readout gradients, TD(λ) traces
``optimizer``  learning-rate schedule, batch mean, norm clip, Adam / SGD, τ ≥ τ_min
``spiking``    the LIF cortex (neural steps within the env step) and its e-prop eligibility
``lru``        the LRU cortex (diagonal complex recurrence) and its exact online traces
``tick``       the composition in docs/algorithm.md §5's order, and the named state tuples
============== ==================================================================================
"""

from ._jit import entry_point, njit
from .config import (ACTOR_DISCRETE, ACTOR_GAUSSIAN, ADAPT_FROZEN, ADAPT_LEARN, ADAPT_OFF, CONFIG,
                     FIELDS, GRAD_BPTT, GRAD_RFLO, GRAD_RTRL, OPTIM_ADAM, OPTIM_SGD, SCHEDULES,
                     TRACE_ACCUMULATING, TRACE_DUTCH, UNIT_LIF, UNIT_LRU, UNIT_RATE, UNIT_TANH,
                     new_config)
from .cortex import (adapt_input, bptt_gradient, cortical_signal, dale_project, forward, rflo_step,
                     rflo_update, rtrl_update, slope)
from .heads import heads, opponent_betas, select_discrete, select_gaussian, select_opponent
from .layout import layout, n_params
from . import lru
from .spiking import eprop_traces, lif_step
from .optimizer import apply_schedule, clip_tau, lr_factor, optimizer_step
from .td import (accumulate, accumulate_cascade, critic_rate, dip_scale, dopamine,
                 dopamine_rate, dutch_critic, readout_gradient)
from .tick import Circuit, EnvState, Optimizer, TickIO, Work, reset_episode, tick
