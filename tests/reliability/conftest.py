"""The ``cli`` fixture: ``biortrrl`` run in-process, with its exit status and output."""

import pytest

from bioRTRRL.cli import main


@pytest.fixture
def cli(capsys):
    """``cli(*args)`` → (exit status, stdout, non-blank stderr lines) of ``biortrrl ARGS``."""

    def call(*args):
        status = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return status, out, [line for line in err.replace("\r", "\n").splitlines() if line.strip()]

    return call
