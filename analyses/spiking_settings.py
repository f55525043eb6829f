"""``--set KEY=VALUE`` for the spiking analyses: one model setting changed on the command line (the
levers of analyses/results/spiking_levers.md), and the tag that names the outputs of such a run."""

from __future__ import annotations

import json


def add_arguments(parser) -> None:
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a model key, e.g. circuit.lif_tau_m_ms=5 or "
                             "circuit.unit=tanh (the rate network on the same task)")


def overrides(items: list[str]) -> dict:
    """{"circuit.lif_tau_m_ms": 5.0, ...} from ["circuit.lif_tau_m_ms=5", ...]; a value is read
    as JSON (numbers, true/false, lists) or else taken as a string."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set {item!r}: expected KEY=VALUE")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def tag(items: list[str]) -> str:
    """File-name suffix of a run with overrides ("" without)."""
    return "".join("_" + key.split(".")[-1] + value
                   for key, _, value in (i.partition("=") for i in items))
