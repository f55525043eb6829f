"""Every plot function renders a figure from a small real run of the default model."""

from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

import bioRTRRL as br
from bioRTRRL import plot
from bioRTRRL.recording import open_recording, save

MODEL = Path(__file__).resolve().parents[2] / "models" / "default.toml"


@pytest.fixture(scope="module")
def run():
    model = br.load_model(MODEL).with_overrides(
        {"recording.weights_every": 500, "run.eval_every": 1000, "run.eval_episodes": 2}
    )
    return br.run(model, steps=2000, seed=0, progress=False)


def test_figures_for_a_saved_run(run, tmp_path):
    # As `biortrrl plot DIR` does: from the recording on disk.
    reopened = open_recording(save(run, tmp_path / "recording.nc"))
    written = plot.figures_for(reopened, tmp_path / "figures", dpi=40)
    assert {p.stem for p in written} == {
        "learning_curve", "population_activity", "pca_trajectories", "dopamine_map",
        "peri_event_dopamine_episode_end", "weight_change", "feedback_alignment",
    }
    assert all(p.stat().st_size > 0 for p in written)


def test_learning_curve(run):
    (ax,) = plot.learning_curve(run).axes
    assert len(ax.get_lines()) == 3  # episodes, moving average, evaluations


def test_population_activity(run):
    fig = plot.population_activity(run, episodes=[0, int(run.episode.values[-1]) - 1])
    assert sum(len(ax.get_images()) for ax in fig.axes) == 2


def test_dopamine_trial_map(run):
    fig = plot.dopamine_trial_map(run)
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 1 and images[0].get_array().shape[0] == run.sizes["completed_episode"] + 1


def test_peri_event(run):
    (ax,) = plot.peri_event(run, "dopamine", event="episode_end").axes
    assert len(ax.get_lines()) == 2 and any(isinstance(c, PolyCollection) for c in ax.collections)
    assert np.isfinite(ax.get_lines()[0].get_ydata()).all()


def test_pca_trajectories(run):
    fig = plot.pca_trajectories(run)
    assert isinstance(fig, Figure)
    assert any(isinstance(c, LineCollection) for c in fig.axes[0].collections)


def test_weight_change_and_feedback_alignment(run):
    (ax,) = plot.weight_change(run).axes
    assert len(ax.get_lines()) == 4
    assert len(ax.get_lines()[0].get_xdata()) == run.sizes["snapshot"]
    (ax,) = plot.feedback_alignment(run).axes
    assert len(ax.get_lines()) == 3
