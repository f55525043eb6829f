"""The flat parameter vector shared by parameters, traces, Adam moments and update directions.

``theta = [W (N×Z, row-major) | τ (N) | K_A (N×P, row-major) | w_C (N) | b_C (1)]``.
The first ``N·Z + N`` entries are the cortical group {W, τ}; the rest the readout group.
The RFLO eligibility ``P`` has the cortical layout ``[P_W (N×Z) | P_τ (N)]``; the RTRL influence
``J`` (N × (N·Z + N)) holds, for each hidden unit k, ``[∂h_k/∂W (flat) | ∂h_k/∂τ]``, so RFLO's P is
exactly the block diagonal of J and every cortical gradient is ``g · J`` (or ``g ⊙ P`` per row).
"""

from __future__ import annotations


def layout(N: int, Z: int, P: int) -> dict[str, slice]:
    """Slices of each parameter in the flat vector ``theta``."""
    o_tau = N * Z
    o_ka = o_tau + N
    o_wc = o_ka + N * P
    o_bc = o_wc + N
    return {
        "W": slice(0, o_tau),
        "tau": slice(o_tau, o_ka),
        "K_A": slice(o_ka, o_wc),
        "w_C": slice(o_wc, o_bc),
        "b_C": slice(o_bc, o_bc + 1),
        "cortex": slice(0, o_ka),
        "readout": slice(o_ka, o_bc + 1),
    }


def n_params(N: int, Z: int, P: int) -> int:
    return N * Z + N + N * P + N + 1
