"""Same input, same model on any CPU: the Hong Kong default's model does not depend on which SIMD
kernels numpy picks (AVX-512 or AVX2), and the sums behind it do not depend on the order of
their terms."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from fleetplan.optimiser.uptake import weighted_sum

_LP_HASH = (
    "import json, tempfile; from pathlib import Path; from bench.lp_hash import lp_hashes; "
    "print(json.dumps(lp_hashes(Path(tempfile.mkdtemp()))))"
)


def test_a_weighted_sum_is_exactly_rounded_whatever_the_order_of_its_terms() -> None:
    """Terms of very different size, where the order of floating-point additions shows: the
    sum equals the exactly rounded one (math.fsum) forwards and backwards, while a plain
    left-to-right sum of the same products does not."""
    weights = np.array([1.0, 1.0, 1.0, 1.0])
    values = np.array([1e16, 1.0, -1e16, 1.0])
    assert sum(weights * values) != 2.0  # the naive sum loses the first 1.0
    assert weighted_sum(weights, values) == 2.0
    assert weighted_sum(weights[::-1], values[::-1]) == 2.0
    rng = np.random.default_rng(0)
    w, v = rng.random(1000), rng.standard_normal(1000) * 10.0 ** rng.integers(-8, 8, 1000)
    order = rng.permutation(1000)
    assert weighted_sum(w, v) == weighted_sum(w[order], v[order]) == math.fsum((w * v).tolist())


def _cpu_features_found() -> list[str]:
    """The CPU features numpy dispatches on here (its own table; empty if numpy hides it)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:
        return []
    return [name for name, found in __cpu_features__.items() if found]


@pytest.mark.slow
def test_the_default_model_is_the_same_with_and_without_avx512() -> None:
    """Builds the default's model (and its no-policy model) twice in fresh processes, once with
    numpy's AVX-512 kernels switched off (``NPY_DISABLE_CPU_FEATURES``), and compares the LP
    files' SHA-256. Before the sums were made exact they differed (2,606 coefficients of the
    operators' uptake), and HiGHS took another path on another machine."""
    found = _cpu_features_found()
    if "AVX512F" not in found:
        pytest.skip("this CPU has no AVX-512: numpy's kernels are the same either way")
    avx512 = " ".join(name for name in ("X86_V4", "AVX512_ICL", "AVX512_SPR") if name in found)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root}
    hashes = []
    for disabled in ("", avx512):
        run_env = {**env, "NPY_DISABLE_CPU_FEATURES": disabled} if disabled else env
        out = subprocess.run(
            [sys.executable, "-c", _LP_HASH],
            cwd=root,
            env=run_env,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        hashes.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert hashes[0] == hashes[1]
