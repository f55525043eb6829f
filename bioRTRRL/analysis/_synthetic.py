"""Synthetic recordings that follow docs/recording_schema.md exactly, for tests and notebooks.

The activity is random, but the bookkeeping (episode boundaries under NEXT_STEP autoreset, the
completed-episode table, trials and events, weight snapshots) is exactly what a run produces, so
every analysis and plot can be exercised without running an engine.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

__all__ = ["synthetic_recording"]

_MODEL_TOML = """name = "synthetic"

[task]
num_envs = {num_envs}

[learning]
gamma = {gamma}
"""


def _episode_ticks(rng, n_steps, episode_ticks, trial_ticks):
    """Per-tick bookkeeping of one environment: episode, t_in_episode, trial, t_in_trial.

    Episodes are whole numbers of trials when ``trial_ticks`` is given; the trial counter runs on
    across episodes.
    """
    episode, t_in_episode, trial, t_in_trial = [], [], [], []
    n_episode = n_trial = 0
    while len(episode) < n_steps:
        if trial_ticks is None:
            lengths = [int(rng.integers(*episode_ticks))]
        else:
            lengths = list(rng.integers(*trial_ticks, size=int(rng.integers(2, 5))))
        t = 0
        for length in lengths:
            episode += [n_episode] * length
            t_in_episode += range(t, t + length)
            trial += [n_trial] * length
            t_in_trial += range(length)
            t += length
            n_trial += 1
        n_episode += 1
    return (np.array(a[:n_steps], dtype=np.int64) for a in (episode, t_in_episode, trial, t_in_trial))


def synthetic_recording(
    n_steps: int = 300,
    num_envs: int = 1,
    n_cortex: int = 6,
    n_obs: int = 3,
    n_actions: int = 2,
    episode_ticks: tuple[int, int] = (8, 30),
    trial_ticks: tuple[int, int] | None = None,
    n_snapshots: int = 4,
    n_evals: int = 3,
    gamma: float = 0.9,
    seed: int = 0,
) -> xr.Dataset:
    """A random recording with the structure of a real run.

    Parameters
    ----------
    n_steps : int
        Recorded ticks (stride 1, from tick 0).
    num_envs : int
        Environment copies; more than one adds the ``env`` dimension.
    n_cortex, n_obs, n_actions : int
        Population sizes (discrete actions; the Meta-RL input is on, so input = obs + actions + 1).
    episode_ticks : (int, int)
        Range [low, high) of the number of ticks of an episode (without trials).
    trial_ticks : (int, int), optional
        Makes the task trial-structured: episodes of 2-4 trials, each lasting [low, high) ticks,
        with events ``cue`` (first tick of a trial) and ``reward`` (last tick, in 70 % of trials,
        where the reward is 1). Without trials the reward is 1 on a random 30 % of ticks.
    n_snapshots : int
        Weight snapshots, evenly spaced from tick 0 to tick ``n_steps`` (the end of the run, as
        a run takes its last snapshot); the weights drift between them.
    n_evals : int
        Evaluation points (``eval_return``); 0 for none.
    gamma : float
        Discount written into the model spec (``attrs["model"]``).
    seed : int

    Returns
    -------
    xarray.Dataset
        Every ended episode's last tick is ``terminated``, except every third one, which is
        ``truncated``. The last episode of each environment is usually unfinished.
    """
    rng = np.random.default_rng(seed)
    D, N, P = n_obs + n_actions + 1, n_cortex, n_actions
    trials = trial_ticks is not None

    per_env = [_episode_ticks(rng, n_steps, episode_ticks, trial_ticks) for _ in range(num_envs)]
    episode, t_in_episode, trial, t_in_trial = (np.stack(a, axis=1) for a in zip(*per_env))
    first = t_in_episode == 0
    # An episode ends on the tick before the next one starts; the recording's last tick ends
    # nothing (the run stopped there).
    ended = np.zeros_like(first)
    ended[:-1] = first[1:]
    truncated = ended & (episode % 3 == 2)
    terminated = ended & ~truncated

    if trials:
        cue = t_in_trial == 0
        trial_end = np.zeros_like(cue)
        trial_end[:-1] = t_in_trial[1:] == 0
        rewarded = trial_end & (rng.random(trial_end.shape) < 0.7)
        reward = rewarded.astype(float)
    else:
        reward = (rng.random(first.shape) < 0.3).astype(float)
    reward[first] = 0.0  # the first tick of an episode has no transition into it

    dopamine = rng.standard_normal(first.shape)
    dopamine[first] = 0.0
    value = rng.standard_normal(first.shape)
    action = rng.integers(0, n_actions, size=first.shape + (1,))
    obs = rng.standard_normal(first.shape + (n_obs,))
    previous_action = np.eye(n_actions)[np.roll(action[..., 0], 1, axis=0)]
    x = np.concatenate([obs, previous_action, reward[..., None]], axis=-1)
    h = np.tanh(rng.standard_normal(first.shape + (N,)))
    logits = rng.standard_normal(first.shape + (P,))
    rate = np.concatenate([x, h, logits, value[..., None], dopamine[..., None]], axis=-1)

    sizes = {"input": D, "cortex": N, "striatum_dorsal": P, "striatum_ventral": 1, "vta": 1}
    population = np.concatenate([[name] * n for name, n in sizes.items()])
    unit_index = np.concatenate([np.arange(n) for n in sizes.values()])

    step_dims = ("step", "env") if num_envs > 1 else ("step",)

    def per_step(a):
        return a if num_envs > 1 else a[:, 0]

    step = np.arange(n_steps, dtype=np.int64)
    env_dt = 0.01
    coords = {
        "step": step,
        "time": ("step", step * env_dt),
        "episode": (step_dims, per_step(episode)),
        "t_in_episode": (step_dims, per_step(t_in_episode)),
        "terminated": (step_dims, per_step(terminated)),
        "truncated": (step_dims, per_step(truncated)),
        "neuron": np.arange(population.size, dtype=np.int64),
        "population": ("neuron", population),
        "index": ("neuron", unit_index.astype(np.int64)),
    }
    data = {
        "rate": (step_dims + ("neuron",), per_step(rate).astype(np.float32)),
        "dopamine": (step_dims, per_step(dopamine)),
        "value": (step_dims, per_step(value)),
        "reward": (step_dims, per_step(reward)),
        "action": (step_dims + ("action_dim",), per_step(action)),
        "obs": (step_dims + ("obs_dim",), per_step(obs).astype(np.float32)),
    }
    if trials:
        coords["trial"] = (step_dims, per_step(trial))
        coords["t_in_trial"] = (step_dims, per_step(t_in_trial))
        coords["event"] = np.array(["cue", "reward"])
        data["events"] = (step_dims + ("event",), per_step(np.stack([cue, rewarded], axis=-1)))

    # The completed-episode table, in order of completion (tick, then environment).
    end_tick, end_env = np.nonzero(ended)
    returns, lengths = [], []
    for t, e in zip(end_tick, end_env):
        start = t - t_in_episode[t, e]
        returns.append(reward[start : t + 1, e].sum())
        lengths.append(t_in_episode[t, e])
    coords["episode_env"] = ("completed_episode", end_env.astype(np.int64))
    coords["episode_end_step"] = ("completed_episode", step[end_tick])
    coords["episode_terminated"] = ("completed_episode", terminated[end_tick, end_env])
    data["episode_return"] = ("completed_episode", np.array(returns, dtype=float))
    data["episode_length"] = ("completed_episode", np.array(lengths, dtype=np.int64))

    # Weights drift as a random walk from their initial values.
    snapshot_step = np.linspace(0, n_steps, n_snapshots).astype(np.int64)

    def drifting(*shape):
        start = rng.standard_normal(shape) / np.sqrt(shape[-1])
        steps = 0.1 * rng.standard_normal((n_snapshots,) + shape) / np.sqrt(shape[-1])
        steps[0] = 0.0
        return start + np.cumsum(steps, axis=0)

    coords["snapshot_step"] = ("snapshot", snapshot_step)
    coords["projection"] = np.array(
        ["input_cortex", "cortex_cortex", "cortex_striatum_dorsal", "cortex_striatum_ventral"]
    )
    data["W_input_cortex"] = (("snapshot", "post_cortex", "pre_input"), drifting(N, D))
    data["W_cortex_cortex"] = (("snapshot", "post_cortex", "pre_cortex"), drifting(N, N))
    data["b_cortex"] = (("snapshot", "post_cortex"), drifting(N))
    data["tau_cortex"] = (("snapshot", "post_cortex"), 1.0 + np.abs(drifting(N)))
    data["W_cortex_striatum_dorsal"] = (("snapshot", "post_striatum_dorsal", "pre_cortex"), drifting(P, N))
    data["W_cortex_striatum_ventral"] = (("snapshot", "pre_cortex"), drifting(N))
    data["b_striatum_ventral"] = (("snapshot",), drifting(1)[:, 0])
    data["feedback_striatum_dorsal"] = (("post_cortex", "pre_striatum_dorsal"), rng.standard_normal((N, P)))
    data["feedback_striatum_ventral"] = (("post_cortex",), rng.standard_normal(N))
    for name in ("rflo_trace_norm", "td_trace_norm"):
        norms = np.abs(rng.standard_normal((n_steps, num_envs, 4)))
        data[name] = (step_dims + ("projection",), per_step(norms))

    if num_envs > 1:
        coords["env"] = np.arange(num_envs, dtype=np.int64)
    if n_evals:
        coords["eval_step"] = np.linspace(n_steps // n_evals, n_steps - 1, n_evals).astype(np.int64)
        data["eval_return"] = ("eval_step", np.sort(rng.uniform(0.0, 10.0, n_evals)))

    attrs = {
        "model": _MODEL_TOML.format(num_envs=num_envs, gamma=gamma),
        "seed": seed,
        "engine": "synthetic",
        "task": "SyntheticTrials-v0" if trials else "Synthetic-v0",
        "num_envs": num_envs,
        "env_dt": env_dt,
        "action_kind": "discrete",
        "versions": json.dumps({"numpy": np.__version__, "xarray": xr.__version__}),
        "finished": 1,
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)
