"""Switching shares at the model's resolution: no share so small that HiGHS would drop it.

HiGHS drops matrix values below its ``small_matrix_value`` (1e-9) when it reads a model; a
normal tail share (down to 1e-61 on the Hong Kong default) times a payment became such values,
so the model Pyomo evaluated and the model HiGHS solved differed.
"""

from __future__ import annotations

import itertools

import highspy
import numpy as np
import pytest
from scipy.special import ndtr

from fleetplan.optimiser.uptake import SHARE_RESOLUTION, TechnologyOffer, adoption_shares


def _offer(gap_hkd: float, spread_hkd: float = 100_000.0) -> TechnologyOffer:
    return TechnologyOffer(
        technology="bev",
        gap_hkd=np.array([gap_hkd]),
        feasible=np.array([True]),
        barrier_hkd=0.0,
        spread_hkd=spread_hkd,
    )


def test_shares_follow_the_normal_response_away_from_zero_and_one() -> None:
    spread = 100_000.0
    for z in (-4.0, -1.0, 0.0, 0.5, 3.0, 4.5):
        share = adoption_shares([_offer(z * spread, spread)], np.array([1.0]), {})["bev"]
        assert share == pytest.approx(float(ndtr(-z)), rel=1e-12)


def test_tail_shares_are_none_or_all_and_the_response_stays_monotone() -> None:
    spread = 100_000.0
    gap = 5.0 * spread  # Φ(−5) = 2.9e-7: below the resolution
    payments = np.linspace(0.0, 10.0 * spread, 201)
    shares = [
        adoption_shares([_offer(gap, spread)], np.array([1.0]), {"bev": p})["bev"] for p in payments
    ]
    assert shares[0] == 0.0  # Φ(−5)
    assert shares[-1] == 1.0  # Φ(5)
    assert all(b >= a for a, b in itertools.pairwise(shares))
    inside = [s for s in shares if 0.0 < s < 1.0]
    assert inside and min(inside) >= SHARE_RESOLUTION and max(inside) <= 1.0 - SHARE_RESOLUTION


@pytest.mark.slow
def test_no_matrix_value_of_the_default_is_one_highs_drops() -> None:
    from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset
    from fleetplan.optimiser.formulation import build_model
    from fleetplan.optimiser.inputs import prepare_inputs
    from fleetplan.optimiser.scenario import Scenario
    from fleetplan.optimiser.solver import compile_arrays

    compiled = compile_arrays(
        build_model(prepare_inputs(Scenario(), load_dataset(DEFAULT_DATASET)))
    )
    assert compiled is not None
    values = np.abs(np.asarray(compiled[0].a_matrix_.value_))
    _, dropped_below = highspy.Highs().getOptionValue("small_matrix_value")
    assert values[values > 0].min() >= dropped_below
