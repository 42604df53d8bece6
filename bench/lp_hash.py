"""SHA-256 of the Hong Kong default's model as an LP file (and of its no-policy counterfactual's).

A refactor that must not change the model (typing, moving code, renaming) is checked by
running this before and after: the same hashes mean the same rows, columns, bounds and
coefficients, so the same figures. Builds the models only (about 20 s); nothing is solved.

    .venv/bin/python -m bench.lp_hash [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path

from fleetplan.network.loaders import DEFAULT_DATASET, load_dataset
from fleetplan.optimiser.formulation import build_model
from fleetplan.optimiser.inputs import prepare_inputs
from fleetplan.optimiser.plan import no_policy_scenario
from fleetplan.optimiser.scenario import Scenario


def lp_hashes(folder: Path) -> dict[str, str]:
    """Write ``default.lp`` and ``no_policy.lp`` (symbolic names) into ``folder``; their SHA-256 by name."""
    scenario = Scenario()
    dataset = load_dataset(scenario.dataset or DEFAULT_DATASET, graph=scenario.graph)
    out = {}
    for name, chosen in (
        ("default", scenario),
        ("no_policy", no_policy_scenario(scenario, dataset)),
    ):
        path = folder / f"{name}.lp"
        build_model(prepare_inputs(chosen, dataset)).write(
            str(path), io_options={"symbolic_solver_labels": True}
        )
        out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: print one ``name sha256`` line per model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", type=Path, help="Folder to keep the LP files in (default: a temporary one)."
    )
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        hashes = lp_hashes(args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="fleetplan-lp-") as tmp:
            hashes = lp_hashes(Path(tmp))
    for name, digest in hashes.items():
        print(name, digest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
