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
#: Episodes longer than this are truncated (DiscountingChain's, some trace-conditioning ones).
LIMIT = 40

#: (task, variant) → the task's keyword arguments.
CASES = {
    ("TraceConditioning", "default"): dict(n_trials=3, cue_time=2, delay=2, iti=(1, 4),
                                           omission_probability=0.3),
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
    ("GridWorld", "default"): {},
    ("GridWorld", "rewards"): dict(size=4, step_reward=-1.0, wall_reward=-0.5, goal_reward=2.0),
}

#: (task, variant) → digests of (the single env, the vector env), from the NumPy programs.
DIGESTS = {
    ('TraceConditioning', 'default'): ('fd545e15111c847e8ab72b50fc7c821847d6bea7b304696e5caa8cc94f901d8f',
                                       'cadf3dd50d73392c62d62165c7039f87e8d81353af062386f79afc492f67f3c4'),
    ('TraceConditioning', 'schedule'): ('94f4ee6c55129db57c5d96a635527a3163dec7c230307fce8a4533a4bd2bd0e4',
                                        'e0dac32645ffd7c4899f4a8914745a91f6963bc68e423a3d47fe4962d48659b5'),
    ('MemoryChain', 'default'): ('0191185beb328b58dcf417342945faab2f573ae070f25a986128b0f190c3d24f',
                                 '0641d49238b32f271017fdfc1cc8a0253528baf676a4c02f08bac5135f6149c6'),
    ('MemoryChain', 'bits'): ('7c1d7993fad22f84418b332fba9b410d7cda9832f4bd7a86ab755cdc2c99568a',
                              'dd22881feaa3346dbd3b0a1af182a6f3eb9de78a42bc3af0ff2328ac99084e96'),
    ('Catch', 'default'): ('c04a74a0c7859051923252d7f3a2376e8b313264027967de4f7b5f617b058ffb',
                           '7fcd2ee1191589ef09b38f5b39a10b049fafb3bd8581a9f1fef1b4fc5337e89a'),
    ('ReversalBandit', 'default'): ('6c9d81d67995429bd31bf29d3d0660b632ccfe05dad4b4fb21c0a82e31cba809',
                                    'b21af833f4df8241322dc849f8202fbf7631ba2496221b301d308ee9706d66a4'),
    ('ReversalBandit', 'correlated'): ('aa0bc56e9e836a8fabc6d6845d7183c49ba5f4aa61e92cf8c66cf293ac07c04f',
                                       '43d434ff7e063c4e173404fabd9c82e76fbffefb2f67941248ff9f54538b0adf'),
    ('DeepSea', 'default'): ('d3b3604200768ea01fc647031b56af066148ee3b7fee6018efa600608933699d',
                             'd0ee0646c8dfeb383a3827a228ddecaf9f50e7bf763ec688e7b3412728e970bf'),
    ('ProbabilisticSelection', 'default'): ('f15b7b2ebc55503287c41ff66a1082964626289535db88399f38fcee2edfe10e',
                                            '097696bf9df82aeb380b877e0beb9555acd7eb7e283f360534cc4f986d4f1fa9'),
    ('ProbabilisticSelection', 'test'): ('f9172f2a4a76262dacc21b5e39c7a0723bd9744a37cee745b92fbc2e95dfc477',
                                         '7ba076475ad1e217cdf1880b8872821f473695ccbac0b48579a15267d5177c32'),
    ('UmbrellaChain', 'default'): ('2d9853e5d2d3c95a92d5196915c835a9eabdf6c482483003c17c5ad83c025cd6',
                                   '70e307808d7ecce576393c04ece6f2dd5185d81db3eab9964c4ecfe8b9d726b3'),
    ('DiscountingChain', 'default'): ('b30b2302eefcd42a637a53a78f69740f2f269d077d9f8e8d4b01c45ab44f399e',
                                      'f7c6348304fc95eda04b44d05a4707d24e694f42c7a5abb62c982354c0a7eb7d'),
    ('DelayedMatch', 'default'): ('8f58f06168a2e0f1ad40d372801f42bd3268f49f77b65f5e6cf17622427db417',
                                  '4cf90b696de678a5d4adba8e558c69b9b84cc401fd8a1861ffa69322c07c9d60'),
    ('GridWorld', 'default'): ('a7a1e4d8489917307345a4d78f2b4644471233e8971453ba83c22bacc4a6d67a',
                               'e5fa527aca1c3e06ed31acd42a9eea2d08f6260fdcd9781dbf54328e5733fc38'),
    ('GridWorld', 'rewards'): ('406bdd616b2b249f0379f01c34136aca23e04d7be514d91d1851f22729245e90',
                               '931f8a9acaddec1b3c784edb336846b0c7dba43641a8b8b29e009b6e6623314e'),
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
        env = gym.make(env_id, max_episode_steps=LIMIT, **kwargs)  # truncations too
        add(*env.reset(seed=5))
        for _ in range(STEPS):
            obs, reward, term, trunc, info = env.step(int(rng.integers(env.action_space.n)))
            add(obs, reward, term, trunc, info)
            if term or trunc:
                add(*env.reset())
    else:
        env = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point",
                           max_episode_steps=LIMIT, **kwargs)
        add(*env.reset(seed=5))
        for _ in range(STEPS):
            add(*env.step(rng.integers(env.single_action_space.n, size=num_envs)))
    return h.hexdigest()


@pytest.mark.parametrize("case", list(CASES), ids=lambda c: "-".join(c))
@pytest.mark.parametrize("num_envs", [1, 3])
def test_envs_replay_the_numpy_programs(case, num_envs):
    assert trajectory_digest(case[0], CASES[case], num_envs) == DIGESTS[case][num_envs == 3]
