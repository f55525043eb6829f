"""A two-worker LocalCluster shared by the sweep tests (starting one costs seconds)."""

import pytest


@pytest.fixture(scope="session")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as c:  # a free port: 8787 may be taken
        yield c
