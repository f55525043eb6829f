"""Bad arguments of the bsuite tasks and of the vector front end raise a ValueError naming them."""

import gymnasium as gym
import pytest

import bioRTRRL.tasks  # noqa: F401  (registers the environments)


@pytest.mark.parametrize(
    "name, kwargs, argument",
    [
        ("MemoryChain", {"memory_length": 0}, "memory_length"),
        ("MemoryChain", {"memory_length": 4.0}, "memory_length"),
        ("MemoryChain", {"num_bits": 0}, "num_bits"),
        ("DeepSea", {"size": 0}, "size"),
        ("DeepSea", {"size": True}, "size"),
        ("DeepSea", {"mapping_seed": -1}, "mapping_seed"),
        ("DeepSea", {"unscaled_move_cost": -0.01}, "unscaled_move_cost"),
        ("UmbrellaChain", {"chain_length": 0}, "chain_length"),
        ("UmbrellaChain", {"n_distractor": -1}, "n_distractor"),
        ("DiscountingChain", {"mapping_seed": "one"}, "mapping_seed"),
        ("Catch", {"rows": 1}, "rows"),
        ("Catch", {"columns": 0}, "columns"),
    ],
)
def test_bad_kwargs_name_the_argument(name, kwargs, argument):
    env_id = f"bioRTRRL/{name}-v0"
    with pytest.raises(ValueError, match=argument):
        gym.make(env_id, **kwargs)
    with pytest.raises(ValueError, match=argument):
        gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point", **kwargs)


@pytest.mark.parametrize("kwargs, argument", [
    ({"num_envs": 0}, "num_envs"), ({"max_episode_steps": 0}, "max_episode_steps")])
def test_bad_vector_kwargs(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        gym.make_vec("bioRTRRL/Catch-v0", vectorization_mode="vector_entry_point", **kwargs)
