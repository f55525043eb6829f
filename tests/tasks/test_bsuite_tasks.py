"""Analytic checks of the bsuite tasks against their definitions."""

import gymnasium as gym
import numpy as np
import pytest

import bioRTRRL.tasks  # noqa: F401  (registers the environments)
from bioRTRRL.tasks.discounting_chain import EPISODE_LENGTH, REWARD_STEPS


def play(env, policy, seed=0):
    """Run one episode; policy(obs, t) -> action. Returns (observations, rewards)."""
    obs, _ = env.reset(seed=seed)
    observations, rewards = [obs], []
    for t in range(10_000):
        obs, reward, terminated, truncated, _ = env.step(policy(obs, t))
        observations.append(obs)
        rewards.append(reward)
        if terminated or truncated:
            return observations, rewards
    raise AssertionError("episode did not end")


@pytest.mark.parametrize("size", [1, 4, 8, 16])
@pytest.mark.parametrize("mapping_seed", [0, 5])
def test_deep_sea_optimal_return(size, mapping_seed):
    env = gym.make("bioRTRRL/DeepSea-v0", size=size, mapping_seed=mapping_seed)
    mapping = env.unwrapped.action_mapping

    def right(obs, t):
        row, column = divmod(int(np.argmax(obs)), size)
        return int(mapping[row, column])

    observations, rewards = play(env, right)
    # size right moves cost 0.01 in total; the last one pays the treasure.
    assert len(rewards) == size
    assert sum(rewards) == pytest.approx(1 - 0.01)
    assert rewards[-1] == pytest.approx(1 - 0.01 / size)
    # The agent stays on the diagonal, then falls out of the grid.
    for t, obs in enumerate(observations[:-1]):
        assert obs.sum() == 1 and obs.reshape(size, size)[t, t] == 1
    assert observations[-1].sum() == 0


def test_deep_sea_any_left_move_loses_the_treasure():
    size = 6
    env = gym.make("bioRTRRL/DeepSea-v0", size=size)
    mapping = env.unwrapped.action_mapping
    for wrong_row in range(size):
        def policy(obs, t):
            row, column = divmod(int(np.argmax(obs)), size)
            return int(mapping[row, column]) ^ (t == wrong_row)
        _, rewards = play(env, policy)
        assert sum(rewards) == pytest.approx(-(size - 1) * 0.01 / size)


def test_deep_sea_mapping_is_bsuites():
    env = gym.make("bioRTRRL/DeepSea-v0", size=10, mapping_seed=42)
    expected = np.random.RandomState(42).binomial(1, 0.5, [10, 10])
    np.testing.assert_array_equal(env.unwrapped.action_mapping, expected)
    plain = gym.make("bioRTRRL/DeepSea-v0", size=3, randomize_actions=False)
    assert (plain.unwrapped.action_mapping == 1).all()


def test_deep_sea_stochastic_right_moves_fail_about_1_over_n():
    size, episodes = 5, 400
    venv = gym.make_vec("bioRTRRL/DeepSea-v0", num_envs=episodes, size=size,
                        deterministic=False, randomize_actions=False)
    venv.reset(seed=0)
    obs, *_ = venv.step(np.ones(episodes, dtype=np.int64))
    moved = obs.reshape(episodes, size, size)[:, 1, 1]
    n, p = episodes, 1 - 1 / size
    assert abs(moved.sum() - n * p) < 4 * np.sqrt(n * p * (1 - p))


@pytest.mark.parametrize("memory_length", [1, 4, 16])
def test_memory_chain_rewards_only_the_queried_bit(memory_length):
    env = gym.make("bioRTRRL/MemoryChain-v0", memory_length=memory_length)
    seen_bits = set()
    for seed in range(20):
        for answer_correctly in (True, False):
            context = {}

            def policy(obs, t):
                if t == 0:
                    context["bit"] = int(obs[2] > 0)
                return context["bit"] if answer_correctly else 1 - context["bit"]

            observations, rewards = play(env, policy, seed)
            seen_bits.add(context["bit"])
            assert len(rewards) == memory_length + 1
            assert rewards[:-1] == [0.0] * memory_length
            assert rewards[-1] == (1.0 if answer_correctly else -1.0)
            # Context only at clock 0 (reset and step 1), countdown on every step.
            clocks = [0] + list(range(memory_length + 1))
            for obs, clock in zip(observations, clocks):
                assert obs[0] == pytest.approx(1 - clock / memory_length)
                assert abs(obs[2]) == (clock == 0)
    assert seen_bits == {0, 1}


def test_memory_chain_several_bits_query_a_random_bit():
    env = gym.make("bioRTRRL/MemoryChain-v0", memory_length=3, num_bits=4)
    queries = set()
    for seed in range(40):
        obs, _ = env.reset(seed=seed)
        bits = (obs[2:] > 0).astype(int)
        for _ in range(3):
            obs, *_ = env.step(0)
        query = int(obs[1])
        queries.add(query)
        _, reward, terminated, _, _ = env.step(int(bits[query]))
        assert terminated and reward == 1.0
    assert queries == {0, 1, 2, 3}


def test_umbrella_chain_pays_for_the_first_action_only():
    chain_length = 8
    env = gym.make("bioRTRRL/UmbrellaChain-v0", chain_length=chain_length, n_distractor=3)
    finals, noise = [], []
    for seed in range(30):
        first = {}

        def policy(obs, t):
            if t == 0:
                first["need"] = int(obs[0])
                return first["need"] if seed % 2 else 1 - first["need"]
            return t % 2  # later actions must not matter

        observations, rewards = play(env, policy, seed)
        assert len(rewards) == chain_length
        finals.append(rewards[-1] == (1.0 if seed % 2 else -1.0))
        noise += rewards[:-1]
        assert observations[1][1] == (first["need"] if seed % 2 else 1 - first["need"])
        assert observations[-1][2] == 0.0
    assert all(finals)
    assert set(noise) == {-1.0, 1.0}


def test_discounting_chain_pays_at_the_chains_horizon():
    for mapping_seed in (0, 3, 12):
        env = gym.make("bioRTRRL/DiscountingChain-v0", mapping_seed=mapping_seed)
        for chain, horizon in enumerate(REWARD_STEPS):
            observations, rewards = play(env, lambda obs, t: chain if t == 0 else 4)
            assert len(rewards) == EPISODE_LENGTH
            paying = [t + 1 for t, r in enumerate(rewards) if r]
            assert paying == [horizon]
            bonus = chain == mapping_seed % len(REWARD_STEPS)
            assert sum(rewards) == pytest.approx(1.1 if bonus else 1.0)
            assert observations[0][0] == -1 and observations[1][0] == chain


def test_catch_following_the_ball_always_catches():
    env = gym.make("bioRTRRL/Catch-v0", rows=6, columns=7)
    for seed in range(20):
        def follow(obs, t):
            board = obs.reshape(6, 7)
            ball, paddle = np.argmax(board[:-1].max(axis=0)), np.argmax(board[-1])
            return int(np.sign(ball - paddle)) + 1

        observations, rewards = play(env, follow, seed)
        assert len(rewards) == 5 and rewards == [0.0] * 4 + [1.0]
        assert observations[0].sum() == 2
    stay_rewards = [play(env, lambda obs, t: 1, seed)[1][-1] for seed in range(40)]
    # Staying put catches exactly the balls that fall in the middle column.
    assert set(stay_rewards) == {-1.0, 1.0}
