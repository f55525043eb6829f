"""Two checkouts of bioRTRRL timed in turns: the closed loop and the tick's parts, before and after.

The machine's speed drifts within the hour and other jobs load it, so a change is measured side by
side: each tree runs in its own process (``PYTHONPATH`` and working directory = the tree) in turns,
``--rounds`` times, printing the closed-loop report of
:func:`bioRTRRL.benchmark.closed_loop_report` (no start-up) and the per-part profile of its own
``benchmarks/profile_tick.py``, with the load average before each.

Usage::

    python benchmarks/trees.py BEFORE_TREE AFTER_TREE [--rounds 2] [--no-profile]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

#: Each tree's own profile script (its kernels' parts may differ).
PROFILE = Path("benchmarks") / "profile_tick.py"
LOOP = ("import bioRTRRL; print('package:', bioRTRRL.__file__); from bioRTRRL.benchmark import "
        "closed_loop_report; closed_loop_report(startup=False)")


def run(tree: str, args: list[str]) -> str:
    """Run ``python args`` on ``tree``'s package. The tree is also the working directory: ``python
    -c`` puts the working directory ahead of ``PYTHONPATH`` on the import path, so from inside the
    other checkout both turns would time that one."""
    root = Path(tree).resolve()
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, *args], env=env, cwd=root, capture_output=True,
                         text=True, check=True)
    return out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trees", nargs=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    for r in range(args.rounds):
        for tree in args.trees:
            print(f"=== round {r + 1}, {tree} (load average {os.getloadavg()[0]:.2f})", flush=True)
            print(run(tree, ["-c", LOOP]), flush=True)
            if not args.no_profile:
                print(run(tree, [str(Path(tree).resolve() / PROFILE)]), flush=True)


if __name__ == "__main__":
    main()
