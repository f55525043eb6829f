"""The toolkit's tasks, rewritten as compiled functions, replay their NumPy formulation bit for bit.

Independent reference: the digests below were computed with the tasks' previous implementation,
array programs in NumPy (commit 11a9596), from the Gymnasium environments — one ``gymnasium.make``
environment reset after every episode end, and a native vector environment of 3 copies — seeded
and driven by the same random actions. Every observation, reward, termination, truncation and info
entry enters the digest, so a change of one bit of a task's dynamics (a trial's timing, a draw, an
event) fails here. (DeepSea's stochastic variant is left out: its reward noise used NumPy's
log1p, which on AVX-512 machines differs from libm's by up to 1 ulp.)
"""

import hashlib

import gymnasium as gym
import numpy as np
import pytest

import bioRTRRL.tasks  # noqa: F401  registers the tasks

STEPS = 2000

#: (task, variant) → the task's keyword arguments.
CASES = {
    ("TraceConditioning", "default"): {},
    ("TraceConditioning", "schedule"): dict(
        phases=[dict(trials=5, trial_types=[dict(cues=["A"], weight=2.0),
                                            dict(cues=["B", "X"], reward_probability=0.5,
                                                 magnitude=2.0)]),
                dict(trials=4, trial_types=[dict(cues=[]),
                                            dict(cues=["X"], omission_probability=1.0)])],
        delay=2, cue_jitter=2, cue_duration=2, iti=(1, 6), lick=True, lick_cost=0.1),
    ("MemoryChain", "default"): dict(memory_length=4),
    ("MemoryChain", "bits"): dict(memory_length=3, num_bits=3),
    ("Catch", "default"): {},
    ("ReversalBandit", "default"): dict(trials_per_episode=30, block_length=7, hazard_rate=0.1),
    ("ReversalBandit", "correlated"): dict(trials_per_episode=20, probability_draw="correlated",
                                           block_length=None),
    ("DeepSea", "default"): dict(size=5, mapping_seed=3),
    ("ProbabilisticSelection", "default"): dict(trials_per_episode=5, outcomes=(0.0, -1.0)),
    ("ProbabilisticSelection", "test"): dict(phase="test", trials_per_episode=7),
    ("UmbrellaChain", "default"): dict(chain_length=3, n_distractor=2),
    ("DiscountingChain", "default"): dict(mapping_seed=3),
    ("DelayedMatch", "default"): dict(delay=2, n_stimuli=4, trials_per_episode=3, fixation=2,
                                      sample_duration=2, match_probability=0.3,
                                      error_reward=-1.0),
}

#: (task, variant) → digests of (the single env, the vector env), from the NumPy programs.
DIGESTS = {
    ('TraceConditioning', 'default'): ('bb82b3058404bf691a6d31936b893b34bd73c133402d54169662bca91d72454c',
                                       '73a2a3e7c2668d64611cae58c6244b005fea6297211e5ae061e8d45edd558905'),
    ('TraceConditioning', 'schedule'): ('90292e5b45aac330ce820d80112f41ec15bab0e6846a8a3c22411ef903a852b4',
                                        'b9db7215e45d44e35afa227061a36b5622b9d9ddf5e8f3c1ea1a357bdfe67020'),
    ('MemoryChain', 'default'): ('0191185beb328b58dcf417342945faab2f573ae070f25a986128b0f190c3d24f',
                                 '0641d49238b32f271017fdfc1cc8a0253528baf676a4c02f08bac5135f6149c6'),
    ('MemoryChain', 'bits'): ('7c1d7993fad22f84418b332fba9b410d7cda9832f4bd7a86ab755cdc2c99568a',
                              'dd22881feaa3346dbd3b0a1af182a6f3eb9de78a42bc3af0ff2328ac99084e96'),
    ('Catch', 'default'): ('a33db39a42dc15672f4a6bca83c767de0d7d857195eb7bcbf51386be707a2bca',
                           'cb7d63daef4dde0dafce0c888dc50841df379e243eac314843329081904c4f50'),
    ('ReversalBandit', 'default'): ('9a0b5d19b23d97d1916944e4f9ca07b4dbb40b4f1ae59b70ee70aa16f05bc2d3',
                                    '773e67bdee56d07b904816849b7e71879760f2b327409cf71f035b98bf002c9d'),
    ('ReversalBandit', 'correlated'): ('aceb9e2a0e8fa0407b4a7809abb89127c9777dc5fd3e4d39972a6850715e0ea9',
                                       '50837fbdea836c7a4e1307380b1e051e2059464b4e57e4affd9f3fba4433ac64'),
    ('DeepSea', 'default'): ('d3b3604200768ea01fc647031b56af066148ee3b7fee6018efa600608933699d',
                             'd0ee0646c8dfeb383a3827a228ddecaf9f50e7bf763ec688e7b3412728e970bf'),
    ('ProbabilisticSelection', 'default'): ('f15b7b2ebc55503287c41ff66a1082964626289535db88399f38fcee2edfe10e',
                                            '097696bf9df82aeb380b877e0beb9555acd7eb7e283f360534cc4f986d4f1fa9'),
    ('ProbabilisticSelection', 'test'): ('f9172f2a4a76262dacc21b5e39c7a0723bd9744a37cee745b92fbc2e95dfc477',
                                         '7ba076475ad1e217cdf1880b8872821f473695ccbac0b48579a15267d5177c32'),
    ('UmbrellaChain', 'default'): ('2d9853e5d2d3c95a92d5196915c835a9eabdf6c482483003c17c5ad83c025cd6',
                                   '70e307808d7ecce576393c04ece6f2dd5185d81db3eab9964c4ecfe8b9d726b3'),
    ('DiscountingChain', 'default'): ('e96075cdc64dd4b34a969c255e287e8afd91e6a6bdfc5d5c7805a3176caf5e65',
                                      '7becd11edfc36da639046a8d1a3f490d36fba033d3ade05f3b7f5f8b5c3e99c1'),
    ('DelayedMatch', 'default'): ('8e91e94bac332172bc5e5293e49e9f6ba2c54768b4e99213d7d029da6affa786',
                                  'fc1ca5aab52de1024701efb691c730e48587c8551dded99778ae0abb29881fa4'),
}


def trajectory_digest(name: str, kwargs: dict, num_envs: int) -> str:
    """sha256 of everything the environment returns over STEPS random actions."""
    env_id = f"bioRTRRL/{name}-v0"
    h = hashlib.sha256()
    rng = np.random.default_rng(1)

    def add(*values):
        for v in values:
            if isinstance(v, dict):
                for key in sorted(v):
                    h.update(key.encode())
                    add(v[key])
            else:
                a = np.asarray(v)
                h.update(str(a.dtype).encode() + a.tobytes())

    if num_envs == 1:
        env = gym.make(env_id, max_episode_steps=9, **kwargs)  # truncations too
        add(*env.reset(seed=5))
        for _ in range(STEPS):
            obs, reward, term, trunc, info = env.step(int(rng.integers(env.action_space.n)))
            add(obs, reward, term, trunc, info)
            if term or trunc:
                add(*env.reset())
    else:
        env = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point",
                           max_episode_steps=9, **kwargs)
        add(*env.reset(seed=5))
        for _ in range(STEPS):
            add(*env.step(rng.integers(env.single_action_space.n, size=num_envs)))
    return h.hexdigest()


@pytest.mark.parametrize("case", list(CASES), ids=lambda c: "-".join(c))
@pytest.mark.parametrize("num_envs", [1, 3])
def test_envs_replay_the_numpy_programs(case, num_envs):
    assert trajectory_digest(case[0], CASES[case], num_envs) == DIGESTS[case][num_envs == 3]
