"""Each plot function returns a Figure carrying the expected artists (synthetic recordings)."""

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

from bioRTRRL import analysis, plot
from bioRTRRL.analysis._synthetic import synthetic_recording


@pytest.fixture(scope="module")
def single():
    return synthetic_recording()


@pytest.fixture(scope="module")
def batched_trials():
    return synthetic_recording(num_envs=3, trial_ticks=(3, 7))


def image_axes(fig):
    return [ax for ax in fig.axes if ax.get_images()]


def test_learning_curve_has_episodes_average_and_evaluation(single):
    fig = plot.learning_curve(single)
    assert isinstance(fig, Figure)
    (ax,) = [a for a in fig.axes if a.get_lines()]
    assert [line.get_label() for line in ax.get_lines()][::2] == ["episode", "evaluation"]
    assert len(ax.get_lines()) == 3
    assert len(ax.get_lines()[0].get_xdata()) == single.sizes["completed_episode"]


def test_population_activity_one_image_per_episode_labelled_by_population(single):
    fig = plot.population_activity(single, episodes=[0, 3])
    axes = image_axes(fig)
    assert len(axes) == 2
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert labels == ["input", "cortex", "striatum_dorsal", "striatum_ventral", "vta"]
    episode_3 = np.count_nonzero(single.episode.values == 3)
    assert axes[1].get_images()[0].get_array().shape == (single.sizes["neuron"], episode_3)


def test_population_activity_steps_and_populations(batched_trials):
    fig = plot.population_activity(batched_trials, steps=slice(10, 59), populations=["cortex"], env=1)
    (ax,) = image_axes(fig)
    assert ax.get_images()[0].get_array().shape == (6, 50)
    with pytest.raises(ValueError, match="not both"):
        plot.population_activity(batched_trials, episodes=[0], steps=slice(0, 5))
    with pytest.raises(ValueError, match="episode 999"):
        plot.population_activity(batched_trials, episodes=[999])


@pytest.mark.parametrize("by", [None, "episode"])
def test_dopamine_trial_map_is_the_trial_matrix(batched_trials, by):
    fig = plot.dopamine_trial_map(batched_trials, by=by)
    (ax,) = image_axes(fig)
    expected = analysis.trial_matrix(batched_trials, "dopamine", by=by or "trial")
    image = ax.get_images()[0].get_array()
    assert image.shape == expected.shape
    np.testing.assert_array_equal(np.ma.getmaskarray(image), np.isnan(expected.values))


def test_peri_event_mean_line_and_band(batched_trials):
    fig = plot.peri_event(batched_trials, "dopamine", event="cue", window=(-2, 4))
    (ax,) = fig.axes
    mean, event_line = ax.get_lines()
    np.testing.assert_array_equal(mean.get_xdata(), np.arange(-2, 5))
    aligned = analysis.peri_event(batched_trials, "dopamine", event="cue", window=(-2, 4))
    np.testing.assert_allclose(mean.get_ydata(), aligned.mean("occurrence"))
    assert any(isinstance(c, PolyCollection) for c in ax.collections)


def test_peri_event_from_a_dataarray_one_line_per_unit(single):
    aligned = analysis.peri_event(single, "rate", event="episode_start", window=(0, 5))
    fig = plot.peri_event(aligned.isel(neuron=slice(0, 3)))
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 3 + 1  # three units and the event marker
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["input 0", "input 1", "input 2"]


def test_pca_trajectories_coloured_paths_and_variance_bars(batched_trials):
    fig = plot.pca_trajectories(batched_trials, episodes=[1, 2])
    paths = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    assert len(paths) == 1
    n_points = sum(np.count_nonzero(batched_trials.episode.values[:, 0] == e) for e in (1, 2))
    assert len(paths[0].get_segments()) == n_points - 2
    bars = [ax for ax in fig.axes if ax.patches]
    assert len(bars) == 1 and len(bars[0].patches) == 3


def test_weight_change_one_line_per_projection(single):
    for data in (single, analysis.weight_change(single)):
        (ax,) = plot.weight_change(data).axes
        assert [line.get_label() for line in ax.get_lines()] == list(analysis.PROJECTION_WEIGHTS)


def test_feedback_alignment_lines_and_reference(single):
    (ax,) = plot.feedback_alignment(single).axes
    assert len(ax.get_lines()) == 3  # dorsal, ventral, the 90° reference
    assert ax.get_lines()[0].get_label() == "striatum_dorsal"


def test_figures_for_writes_every_applicable_png(tmp_path, batched_trials):
    written = plot.figures_for(batched_trials, tmp_path / "figures", dpi=30)
    assert {p.stem for p in written} == {
        "learning_curve", "population_activity", "pca_trajectories", "dopamine_map",
        "peri_event_dopamine_cue", "peri_event_dopamine_reward", "peri_event_dopamine_episode_end",
        "weight_change", "feedback_alignment",
    }
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figures_for_a_recording_with_only_episodes(tmp_path, single):
    table_only = single[["episode_return", "episode_length"]]
    assert [p.stem for p in plot.figures_for(table_only, tmp_path, dpi=30)] == ["learning_curve"]


def test_figures_for_a_strided_recording(tmp_path):
    # Every 5th tick of episodes as short as 2 ticks: some episodes have no recorded tick.
    strided = synthetic_recording(n_steps=600, episode_ticks=(2, 12)).isel(step=slice(None, None, 5))
    assert "population_activity" in {p.stem for p in plot.figures_for(strided, tmp_path, dpi=30)}
