"""Fills the recording schema (docs/recording_schema.md) tick by tick, for either engine.

The per-tick cost is one compiled call that copies a row into each preallocated chunk buffer; a full
chunk's buffers become an ``xarray.Dataset`` as they are (fresh buffers take their place), kept in
memory and, when a stream writer is given, appended to disk at once, so a run that dies keeps every
completed chunk.

Memory cost per recorded tick and env (defaults): ``rate`` 4·(D+N+P+2) bytes, ``obs`` 4·O, ``action``
8·A, ``dopamine``/``value``/``reward`` 24, step coordinates ~34 — about 230 bytes for the default
model (≈ 0.23 GB for 1 M ticks); ``recording.stride`` divides it.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr
from numba import njit

from ..config import Model
from ..engines.kernels import entry_point
from ..engines.parameters import CircuitDims

PROJECTIONS = ("input_cortex", "cortex_cortex", "cortex_striatum_dorsal", "cortex_striatum_ventral")

#: The metadata convention of every recording (``attrs["Conventions"]``).
CONVENTIONS = "CF-1.11"


def metadata(tick_ms: float) -> dict[str, dict[str, str]]:
    """CF ``units`` and ``long_name`` of every variable and coordinate a recording can hold.

    Units are UDUNITS strings: ``"1"`` marks a dimensionless quantity (rates of tanh units,
    weights, rewards and everything measured in rewards, counts of ticks); text coordinates carry
    a ``long_name`` only, as CF asks. The time constants τ are in ticks of the Euler step, so their
    unit is that tick's physical duration, ``tick_ms`` (= ``env_dt_ms / circuit.dt``), e.g.
    ``"10 ms"``: ``τ = 3`` in such a recording is 30 ms.

    Parameters
    ----------
    tick_ms : float
        Duration of one Euler step of the cortical dynamics, in milliseconds.

    Returns
    -------
    dict
        Variable or coordinate name → ``{"units": ..., "long_name": ...}``.
    """
    def m(long_name, units="1"):
        return {"long_name": long_name} if units is None else {"units": units, "long_name": long_name}

    return {
        # per-tick data
        "rate": m("activity of each unit: input x, cortical rate h, actor outputs, value v, dopamine δ"),
        "firing_rate": m("firing rate of each cortical unit, r_max · σ(u) (circuit.unit = 'rate')",
                         "Hz"),
        "cortical_neuron": m("position along the neuron dimension of a cortical unit"),
        "dopamine": m("dopamine: the TD error δ broadcast by VTA (after any manipulation)"),
        "dopamine_rate": m("firing rate of the VTA's dopamine neurons (circuit.dopamine_neurons)",
                           "Hz"),
        "value": m("value v(h) predicted by ventral striatum (the critic)"),
        "reward": m("reward received on this tick"),
        "action": m("action emitted on this tick (discrete: its index)"),
        "obs": m("observation read on this tick, after masking, as the task emits it"),
        "events": m("task event on this tick (1 = it happened)"),
        "rflo_trace_norm": m("Frobenius norm of the RFLO eligibility trace P of the projection"),
        "td_trace_norm": m("Frobenius norm of the TD eligibility trace e of the projection"),
        # per completed episode
        "episode_return": m("return of the completed episode (sum of its rewards)"),
        "episode_length": m("transitions in the completed episode (its ticks − 1)"),
        # weight snapshots and the fixed feedback
        "W_input_cortex": m("synaptic weight input → cortex (W_in)"),
        "W_cortex_cortex": m("recurrent synaptic weight cortex → cortex (W_rec)"),
        "b_cortex": m("bias of the cortical unit"),
        "tau_cortex": m("time constant τ of the cortical unit", f"{tick_ms:g} ms"),
        "W_cortex_striatum_dorsal": m("synaptic weight cortex → dorsal striatum (actor, K_A)"),
        "W_cortex_striatum_ventral": m("synaptic weight cortex → ventral striatum (critic, w_C)"),
        "b_striatum_ventral": m("bias of the critic (b_C)"),
        "lru_nu_log": m("LRU: ν of the recurrence λ = exp(−exp(ν) + i exp(θ)) (circuit.unit = 'lru')"),
        "lru_theta_log": m("LRU: θ of the recurrence λ = exp(−exp(ν) + i exp(θ))"),
        "lru_gamma_log": m("LRU: log of the input scale γ"),
        "lru_B_re": m("LRU: input weight input → state, real part"),
        "lru_B_im": m("LRU: input weight input → state, imaginary part"),
        "lru_D": m("LRU: skip weight input → output"),
        "lru_C_re": m("LRU: readout weight state → output, real part"),
        "lru_C_im": m("LRU: readout weight state → output, imaginary part"),
        "feedback_striatum_dorsal": m("fixed random feedback weight dorsal striatum → cortex (B_A)"),
        "feedback_striatum_ventral": m("fixed random feedback weight ventral striatum → cortex (B_C)"),
        "eval_return": m("evaluation: mean return of the first episode of fresh environments, "
                         "no learning"),
        # coordinates
        "step": m("tick (environment step) since the run began"),
        "time": m("simulated time of the tick (step × env_dt)", "s"),
        "episode": m("episode number within its environment, from 0"),
        "t_in_episode": m("ticks since the episode's first tick"),
        "terminated": m("the episode ended in a terminal state on this tick"),
        "truncated": m("the episode was cut by a time limit on this tick"),
        "trial": m("trial number of the task"),
        "t_in_trial": m("ticks since the trial's first tick"),
        "population": m("population of the unit", None),
        "index": m("index of the unit within its population"),
        "neuron": m("position of the unit along the neuron dimension"),
        "event": m("task event", None),
        "projection": m("projection (presynaptic_postsynaptic population)", None),
        "env": m("environment of the batch"),
        "episode_env": m("environment of the completed episode"),
        "episode_end_step": m("tick on which the completed episode ended"),
        "episode_terminated": m("the completed episode ended in a terminal state (0: time limit)"),
        "snapshot_step": m("tick at which the weights were copied"),
        "eval_step": m("tick at which the evaluation ran"),
    }



class Recorder:
    """Collects one run into the recording schema.

    Parameters
    ----------
    model : Model
    dims : CircuitDims
    driver : EnvDriver
        Source of observations, rewards, episode bookkeeping and task events.
    attrs : dict
        Dataset attributes (engine, seed, versions, ...).
    writer : StreamWriter, optional
        Receives every completed chunk.
    """

    def __init__(self, model: Model, dims: CircuitDims, driver, attrs: dict, writer=None):
        rec = model.recording
        self.model, self.dims, self.driver, self.writer = model, dims, driver, writer
        self.attrs = dict(attrs)
        self.stride = rec.stride
        self.vars = set(rec.variables)
        if not driver.trial_events:
            self.vars.discard("events")
        self.B = B = driver.num_envs
        self.dtype = np.dtype(rec.dtype)
        self.chunk = C = rec.chunk_steps
        sizes = dims.population_sizes
        starts = np.cumsum([0] + list(sizes.values()))
        offset = dict(zip(sizes, starts[:-1]))
        # "cortex" in recording.populations stands for every cortical population of the circuit
        cortical = {name for name, _ in dims.cortex}
        self.populations = [p for p in sizes if p in rec.populations
                            or (p in cortical and "cortex" in rec.populations)]
        self.rate_index = np.concatenate(
            [np.arange(offset[p], offset[p] + sizes[p]) for p in self.populations]).astype(np.int64)
        # firing-rate units: the cortical columns of ``rate`` (fractions of r_max) are also
        # recorded in Hz as ``firing_rate``
        self.rate_hz_cols = np.flatnonzero(np.isin(self.rate_index, np.concatenate(
            [np.arange(offset[p], offset[p] + sizes[p]) for p in cortical]))) \
            if model.circuit.unit == "rate" and "rate" in self.vars else np.zeros(0, np.int64)
        self.rate_max_hz = model.circuit.rate_max_hz
        self.i_value = offset["striatum_ventral"]
        self.i_delta = offset["vta"]
        self.trace_norms = "trace_norms" in self.vars
        # the dopamine neurons' rate is recorded next to δ
        self.dopamine_rate = model.circuit.dopamine_neurons and "dopamine" in self.vars
        self._shapes = {  # chunk buffers: (per-tick shape, dtype)
            "rate": ((B, len(self.rate_index)), self.dtype), "dopamine": ((B,), np.float64),
            "value": ((B,), np.float64), "obs": ((B, dims.O), self.dtype),
            "action": ((B, dims.A if dims.continuous else 1), np.float64),
            "reward": ((B,), np.float64), "step": ((), np.int64), "episode": ((B,), np.int64),
            "t_in_episode": ((B,), np.int64), "terminated": ((B,), bool),
            "truncated": ((B,), bool), "trial": ((B,), np.int64), "t_in_trial": ((B,), np.int64),
            "events": ((B, len(driver.trial_events)), bool),
            "rflo_trace_norm": ((B, len(PROJECTIONS)), np.float64),
            "td_trace_norm": ((B, len(PROJECTIONS)), np.float64),
            "dopamine_rate": ((B,), np.float64),
        }
        self._new_buffers()
        self.k = 0
        self.chunks: list[xr.Dataset] = []
        self.snapshots: list[tuple[int, dict]] = []
        self.evals: list[tuple[int, float]] = []
        self._episodes_flushed = 0
        self._static_written = False
        self.env_dt = model.circuit.env_dt_ms / 1000.0
        self.metadata = metadata(model.circuit.env_dt_ms / model.circuit.dt)

    # -- per tick ------------------------------------------------------------------------------
    def _new_buffers(self) -> None:
        """Fresh chunk buffers (the previous ones now belong to a chunk Dataset)."""
        self.buf = {name: np.zeros((self.chunk, *shape), dtype=dtype)
                    for name, (shape, dtype) in self._shapes.items()}
        self._store_call = None

    def record(self, tick: int, act: np.ndarray, actions: np.ndarray, engine=None) -> None:
        """Store one tick (skipped unless ``tick % stride == 0``).

        ``act`` is the engine's (B, D+N+P+2) activity row, ``actions`` its (B, A) action output;
        the driver's arrays are read directly. Both must be the same arrays every tick.
        """
        if tick % self.stride:
            return
        k, d = self.k, self.driver
        call = self._store_call
        if call is None or call[1] is not act or call[2] is not actions:
            call = self._bind_store(act, actions)
        call[0](k, tick, *call[3])
        if d.trial_events:
            self.buf["trial"][k] = d.trial
            self.buf["t_in_trial"][k] = d.t_in_trial
            self.buf["events"][k] = d.events
        if self.trace_norms and engine is not None:
            self.buf["rflo_trace_norm"][k], self.buf["td_trace_norm"][k] = engine.trace_norms()
        if self.dopamine_rate and engine is not None:
            self.buf["dopamine_rate"][k] = engine.dopamine_rate
        self.k = k + 1
        if self.k == self.chunk:
            self.flush()

    def _bind_store(self, act, actions) -> tuple:
        """The compiled entry point of :func:`_store` and its argument list (as in the engine)."""
        d, b = self.driver, self.buf
        args = (act, self.rate_index, self.i_delta, self.i_value, d.obs, actions, d.reward,
                d.episode, d.t_in_episode, d.terminated, d.truncated,
                b["rate"], b["dopamine"], b["value"], b["obs"], b["action"], b["reward"],
                b["step"], b["episode"], b["t_in_episode"], b["terminated"], b["truncated"])
        self._store_call = (entry_point(_store, 0, 0, *args), act, actions, args)
        return self._store_call

    def store_args(self, act, actions) -> tuple:
        """The arguments of the compiled row copy ``_store`` after ``k`` and ``tick``, bound to the
        current chunk buffers (for a compiled loop that records many ticks in one call; then
        :meth:`stored`). Valid until the next flush."""
        call = self._store_call
        if call is None or call[1] is not act or call[2] is not actions:
            call = self._bind_store(act, actions)
        return call[3]

    def stored(self, rows: int, engine=None) -> None:
        """Account for ``rows`` rows a compiled loop wrote into the buffers (from row :attr:`k`);
        flushes a full chunk as :meth:`record` does. The dopamine neurons' rate is derived from
        the recorded δ with ``engine``'s dopamine settings, which stay fixed within a chunk (the
        loop stops at every manipulation)."""
        if self.dopamine_rate and engine is not None and rows:
            rows_ = slice(self.k, self.k + rows)
            self.buf["dopamine_rate"][rows_] = engine.dopamine_rate_of(self.buf["dopamine"][rows_])
        self.k += rows
        if self.k == self.chunk:
            self.flush()

    def snapshot(self, tick: int, params: dict, feedback) -> None:
        """Keep a copy of every weight matrix (``params`` as in ``ReferenceEngine.params``)."""
        self.snapshots.append((tick, {k: np.array(v, copy=True) for k, v in params.items()}))
        self._feedback = (np.array(feedback[0], copy=True), np.array(feedback[1], copy=True))

    def add_evaluation(self, tick: int, value: float) -> None:
        self.evals.append((tick, float(value)))

    # -- chunks --------------------------------------------------------------------------------
    def flush(self) -> None:
        """Turn the buffered ticks (and new episodes/snapshots/evaluations) into a chunk."""
        ds = self._chunk_dataset(self.k)
        if self.k:
            self._new_buffers()
        self.k = 0
        if ds is None:
            return
        self.chunks.append(ds)
        if self.writer is not None:
            self.writer.append(ds)

    def _chunk_dataset(self, n: int) -> xr.Dataset | None:
        data, coords = {}, {}
        if n:
            single = self.B == 1
            sdims = ("step",) if single else ("step", "env")

            def per_step(name, extra=()):
                # the buffers are handed over, not copied: flush() allocates fresh ones
                a = self.buf[name][:n]
                if single:
                    a = a[:, 0]
                return (sdims + extra, a)

            extra = {"rate": ("neuron",), "action": ("action_dim",), "obs": ("obs_dim",),
                     "events": ("event",)}
            for name in ("rate", "dopamine", "value", "reward", "action", "obs", "events"):
                if name in self.vars:
                    data[name] = per_step(name, extra.get(name, ()))
            if self.dopamine_rate:
                data["dopamine_rate"] = per_step("dopamine_rate")
            if self.rate_hz_cols.size:
                dims_, rate = data["rate"]
                data["firing_rate"] = (dims_[:-1] + ("cortical_neuron",),
                                       rate[..., self.rate_hz_cols] * self.dtype.type(self.rate_max_hz))
            if self.trace_norms:
                data["rflo_trace_norm"] = per_step("rflo_trace_norm", ("projection",))
                data["td_trace_norm"] = per_step("td_trace_norm", ("projection",))
            step = self.buf["step"][:n]
            coords["step"] = ("step", step)
            coords["time"] = ("step", step * self.env_dt)
            for name in ("episode", "t_in_episode", "terminated", "truncated"):
                coords[name] = per_step(name)
            if self.driver.trial_events:
                coords["trial"] = per_step("trial")
                coords["t_in_trial"] = per_step("t_in_trial")
        done = self.driver.completed[self._episodes_flushed:]
        self._episodes_flushed += len(done)
        if done:
            env_i, end, ret, length, term = map(np.asarray, zip(*done))
            data["episode_return"] = ("completed_episode", ret.astype(np.float64))
            data["episode_length"] = ("completed_episode", length.astype(np.int64))
            coords["episode_env"] = ("completed_episode", env_i.astype(np.int64))
            coords["episode_end_step"] = ("completed_episode", end.astype(np.int64))
            coords["episode_terminated"] = ("completed_episode", term.astype(bool))
        snaps, self.snapshots = self.snapshots, []
        if snaps:
            data.update(_snapshot_vars(snaps))
            coords["snapshot_step"] = ("snapshot", np.array([t for t, _ in snaps], dtype=np.int64))
        evals, self.evals = self.evals, []
        if evals:
            coords["eval_step"] = ("eval_step", np.array([t for t, _ in evals], dtype=np.int64))
            data["eval_return"] = ("eval_step", np.array([v for _, v in evals]))
        if not data and not coords:
            return None
        if not self._static_written:
            self._static_written = True
            coords.update(self._static_coords())
            if hasattr(self, "_feedback"):
                fa, fc = self._feedback
                data["feedback_striatum_dorsal"] = (("post_cortex", "pre_striatum_dorsal"),
                                                    fa.reshape(self.dims.N, self.dims.P))
                data["feedback_striatum_ventral"] = (("post_cortex",), fc.copy())
        ds = xr.Dataset(data, coords=coords, attrs=self.attrs)
        for name, var in ds.variables.items():
            var.attrs.update(self.metadata[name])
        return ds

    def _static_coords(self) -> dict:
        sizes = self.dims.population_sizes
        pop = np.concatenate([[p] * sizes[p] for p in self.populations]).astype(str)
        idx = np.concatenate([np.arange(sizes[p]) for p in self.populations]).astype(np.int64)
        coords = {"population": ("neuron", pop), "index": ("neuron", idx),
                  "neuron": ("neuron", np.arange(len(pop), dtype=np.int64))}
        if self.driver.trial_events:
            coords["event"] = ("event", np.array(self.driver.trial_events, dtype=str))
        if self.rate_hz_cols.size:
            coords["cortical_neuron"] = ("cortical_neuron", self.rate_hz_cols.astype(np.int64))
        if self.trace_norms:
            coords["projection"] = ("projection", np.array(PROJECTIONS, dtype=str))
        if self.B > 1:
            coords["env"] = ("env", np.arange(self.B, dtype=np.int64))
        return coords

    def finish(self, finished: bool = True, error: str | None = None) -> xr.Dataset:
        """Flush what is left and return the whole recording as one Dataset."""
        self.flush()
        self.attrs["finished"] = int(finished)
        if error:
            self.attrs["error"] = error
        if self.writer is not None:
            self.writer.set_attrs(**{k: v for k, v in self.attrs.items() if k in ("finished", "error")})
            self.writer.close(finished=finished)
        ds = _concat(self.chunks)
        ds.attrs = dict(self.attrs)
        return ds


@njit(cache=True)
def _store(k, tick, act, rate_index, i_delta, i_value, obs, action, reward, episode, tie, term,
           trunc, buf_rate, buf_dopamine, buf_value, buf_obs, buf_action, buf_reward, buf_step,
           buf_episode, buf_tie, buf_term, buf_trunc):
    """Copy one tick into row k of the chunk buffers (one call instead of a dozen NumPy ones).

    ``rate`` keeps the recorded units (``rate_index``) of ``act`` in the recording dtype;
    dopamine and value are its columns ``i_delta`` and ``i_value``.
    """
    for b in range(act.shape[0]):
        for j in range(rate_index.shape[0]):
            buf_rate[k, b, j] = act[b, rate_index[j]]
        buf_dopamine[k, b] = act[b, i_delta]
        buf_value[k, b] = act[b, i_value]
    buf_obs[k] = obs
    buf_action[k] = action
    buf_reward[k] = reward
    buf_step[k] = tick
    buf_episode[k] = episode
    buf_tie[k] = tie
    buf_term[k] = term
    buf_trunc[k] = trunc


def _snapshot_vars(snaps) -> dict:
    def stack(name):
        return np.stack([p[name] for _, p in snaps])

    first = snaps[0][1]
    N, P = first["K_A"].shape
    if "W" in first:
        W = stack("W")
        D = W.shape[2] - N - 1
        cortex = {
            "W_input_cortex": (("snapshot", "post_cortex", "pre_input"), W[:, :, :D]),
            "W_cortex_cortex": (("snapshot", "post_cortex", "pre_cortex"), W[:, :, D:D + N]),
            "b_cortex": (("snapshot", "post_cortex"), W[:, :, -1]),
            "tau_cortex": (("snapshot", "post_cortex"), stack("tau")),
        }
    else:  # the LRU cortex (bioRTRRL.engines.kernels.lru.named): its parameters by name
        pre = {"B_re": "pre_input", "B_im": "pre_input", "D": "pre_input",
               "C_re": "pre_cortex", "C_im": "pre_cortex"}
        cortex = {f"lru_{name}": (("snapshot", "post_cortex", *((pre[name],) if name in pre
                                                                   else ())), stack(name))
                  for name in ("nu_log", "theta_log", "gamma_log", *pre)}
    return {
        **cortex,
        "W_cortex_striatum_dorsal": (("snapshot", "post_striatum_dorsal", "pre_cortex"),
                                     stack("K_A").transpose(0, 2, 1).reshape(-1, P, N)),
        "W_cortex_striatum_ventral": (("snapshot", "pre_cortex"), stack("w_C")),
        "b_striatum_ventral": (("snapshot",), stack("b_C")[:, 0]),
    }


_APPEND_DIMS = ("step", "snapshot", "completed_episode", "eval_step")


def _concat(chunks: list[xr.Dataset]) -> xr.Dataset:
    """Concatenate chunks along each append dimension; everything else comes from chunk 0."""
    if not chunks:
        return xr.Dataset()
    if len(chunks) == 1:
        return chunks[0]

    def along(c: xr.Dataset, dim: str) -> xr.Dataset:
        names = [n for n in c.variables if dim in c[n].dims and n != dim]
        return c[[v for v in names if v in c.data_vars]].assign_coords(
            {n: c[n] for n in names if n in c.coords}).drop_vars(
            [n for n in c.coords if dim not in c[n].dims], errors="ignore")

    pieces = []
    for dim in _APPEND_DIMS:
        parts = [along(c, dim) for c in chunks if dim in c.dims and c.sizes[dim]]
        if parts:
            pieces.append(xr.concat(parts, dim=dim, data_vars="all", coords="all", join="exact"))
    first = chunks[0]
    static = [n for n in first.variables if not set(first[n].dims) & set(_APPEND_DIMS)]
    pieces.append(first[[v for v in static if v in first.data_vars]].assign_coords(
        {n: first[n] for n in static if n in first.coords}))
    return xr.merge(pieces, compat="override", join="outer", combine_attrs="override")


def run_attrs(model: Model, engine: str, seed: int, driver) -> dict:
    """Dataset attributes shared by every recording."""
    import importlib.metadata as md

    versions = {}
    for pkg in ("bioRTRRL", "numpy", "numba", "gymnasium", "xarray", "brian2"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = "unknown"
    return {
        "model": model.to_toml(),
        "model_name": model.name,
        "seed": int(seed),
        "engine": engine,
        "task": model.task.env,
        "num_envs": int(driver.num_envs),
        "env_dt": model.circuit.env_dt_ms / 1000.0,
        "action_kind": "continuous" if driver.continuous else "discrete",
        "versions": json.dumps(versions),
        "finished": 0,
        "Conventions": CONVENTIONS,
    }
