"""Example scenarios, scenario inheritance (``extends``) and one-line input errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fleetplan.errors import InputError
from fleetplan.network.loaders import DEFAULT_DATASET
from fleetplan.optimiser.scenario_files import MAX_EXTENDS_DEPTH, deep_merge, load_scenario_file
from tests.test_cli import run

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "scenarios"
NAMES = [
    "roadmap_baseline", "no_subsidy", "half_budget", "double_budget", "cheap_hydrogen",
    "high_carbon_price", "hydrogen_heavy_bus", "max_abatement", "no_operator_pledges", "operator_commitments", "payments_chosen",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_example_scenarios_validate(name: str) -> None:
    path = EXAMPLES / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#"), "each example starts with a comment saying what it answers"
    scenario = load_scenario_file(path)
    assert scenario.name == name.replace("_", "-")
    # Overrides name only programmes and targets that the default dataset has.
    programmes = set(pd.read_csv(DEFAULT_DATASET / "programmes.csv")["programme_id"])
    targets = set(pd.read_csv(DEFAULT_DATASET / "targets.csv")["target_id"])
    assert set(scenario.programmes) <= programmes
    assert set(scenario.targets) <= targets


def test_example_figures() -> None:
    load = lambda name: load_scenario_file(EXAMPLES / f"{name}.yaml")  # noqa: E731
    assert load("no_subsidy").budget.total_hkd == 0
    assert load("half_budget").budget.total_hkd == 375e6
    assert load("double_budget").budget.total_hkd == 1.5e9
    assert load("cheap_hydrogen").prices.hydrogen_hkd_per_kg == {2025: 108, 2030: 40}
    assert load("max_abatement").objective == "max_abatement"
    baseline = load("roadmap_baseline")
    assert {"ebus_2027", "etaxi_2027"} <= set(baseline.targets)
    assert not baseline.targets["ebus_2027"].hard
    # Inherited: every example keeps the baseline's named targets.
    assert load("high_carbon_price").targets == baseline.targets
    # The operators' commitments are the default's; one example leaves them out.
    assert (
        baseline.operator_commitments_from_dataset
        and load("operator_commitments").operator_commitments_from_dataset
    )
    assert not load("no_operator_pledges").operator_commitments_from_dataset


def test_an_example_validates_against_the_default_dataset() -> None:
    result = run("validate", EXAMPLES / "cheap_hydrogen.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK")


def _one_line_error(result: object, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("command", ["validate", "solve"])
def test_bad_input_exits_2_with_one_line(tmp_path: Path, command: str) -> None:
    bad_yaml = tmp_path / "bad_yaml.yaml"
    bad_yaml.write_text("name: ok\nbudget: [unclosed\n")
    _one_line_error(run(command, bad_yaml), "bad_yaml.yaml", "not valid YAML")

    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("name: typo\nbudgett:\n  total_hkd: 1\n")
    _one_line_error(run(command, unknown), "unknown.yaml", "line 2", "budgett", "unknown key")

    negative = tmp_path / "negative.yaml"
    negative.write_text("name: neg\nbudget:\n  total_hkd: -5\n")
    _one_line_error(
        run(command, negative),
        "negative.yaml",
        "line 3",
        "budget.total_hkd",
        "greater than or equal to 0",
    )

    _one_line_error(run(command, tmp_path / "missing.yaml"), "missing.yaml", "not found")

    # An alias inside its own anchor's value would load as null (the limit silently gone).
    recursive = tmp_path / "recursive.yaml"
    recursive.write_text("name: rec\nbudget: &b {total_hkd: 5, yearly_limit_hkd: *b}\n")
    _one_line_error(run(command, recursive), "recursive.yaml", "line 2", "*b", "refers to itself")


def test_extends_merges_deeply_and_lists_replace(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "name: base\n"
        "budget: {total_hkd: 1.0e6, yearly_limit_hkd: {2025: 5.0e5}}\n"
        "parameters:\n"
        "  - {parameter: discount_rate, value: 0.05}\n"
        "  - {parameter: operator_discount_rate, value: 0.08}\n"
        "dataset: data_here\n"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.yaml").write_text(
        "extends: ../base.yaml\n"
        "name: child\n"
        "budget: {total_hkd: 2.0e6}\n"
        "parameters:\n"
        "  - {parameter: discount_rate, value: 0.03}\n"
    )
    scenario = load_scenario_file(tmp_path / "sub" / "child.yaml")
    assert scenario.name == "child"
    assert scenario.budget.total_hkd == 2e6
    assert scenario.budget.yearly_limit_hkd == {2025: 5e5}  # kept from the base
    assert [p.parameter for p in scenario.parameters] == ["discount_rate"]  # list replaced
    assert scenario.parameters[0].value == 0.03
    # A relative dataset folder is relative to the file that names it.
    assert Path(scenario.dataset) == (tmp_path / "data_here").resolve()
    assert deep_merge({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}}) == {"a": {"b": 1, "c": 3}}


def test_extends_errors(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    with pytest.raises(InputError, match="cycle"):
        load_scenario_file(tmp_path / "a.yaml")
    _one_line_error(run("validate", tmp_path / "a.yaml"), "extends", "cycle")

    (tmp_path / "self.yaml").write_text("extends: self.yaml\n")
    with pytest.raises(InputError, match="cycle"):
        load_scenario_file(tmp_path / "self.yaml")

    (tmp_path / "orphan.yaml").write_text("name: x\nextends: nowhere.yaml\n")
    with pytest.raises(InputError, match=r"orphan.yaml, line 2.*nowhere.yaml.*not found"):
        load_scenario_file(tmp_path / "orphan.yaml")

    (tmp_path / "number.yaml").write_text("extends: 3\n")
    with pytest.raises(InputError, match="extends"):
        load_scenario_file(tmp_path / "number.yaml")

    for i in range(MAX_EXTENDS_DEPTH + 1):
        parent = f"extends: d{i + 1}.yaml\n" if i < MAX_EXTENDS_DEPTH else ""
        (tmp_path / f"d{i}.yaml").write_text(parent + f"name: d{i}\n")
    with pytest.raises(InputError, match="longer than"):
        load_scenario_file(tmp_path / "d0.yaml")
    assert load_scenario_file(tmp_path / "d1.yaml").name == "d1"


def test_error_in_an_inherited_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text("name: parent\n\nbudget:\n  total_hkd: -1\n")
    (tmp_path / "kid.yaml").write_text(
        "extends: parent.yaml\nname: kid\nobjective: max_abatement\n"
    )
    with pytest.raises(InputError) as error:
        load_scenario_file(tmp_path / "kid.yaml")
    message = str(error.value)
    assert "parent.yaml, line 4" in message and "budget.total_hkd" in message
    # ... and an error in the child names the child, even under an inherited group.
    (tmp_path / "kid2.yaml").write_text(
        "extends: parent.yaml\nbudget:\n  total_hkd: 1\n  yearly_limit_hkd: {2025: -3}\n"
    )
    with pytest.raises(InputError, match=r"kid2.yaml, line 4.*yearly_limit_hkd"):
        load_scenario_file(tmp_path / "kid2.yaml")
    (tmp_path / "kid3.yaml").write_text(
        "extends: parent.yaml\nbudget:\n  total_hkd: 1\n  total_hkdd: 1\n"
    )
    with pytest.raises(InputError, match=r"kid3.yaml, line 4.*total_hkdd.*unknown key"):
        load_scenario_file(tmp_path / "kid3.yaml")


def test_battery_trucks_are_refused_not_modelled_for_free() -> None:
    """The model has no truck charging, so a scenario asking for battery trucks is refused
    with a message naming the field rather than given free charging."""
    from fleetplan.errors import InputError
    from fleetplan.optimiser.scenario_files import scenario_from_yaml

    with pytest.raises(InputError, match="technologies") as raised:
        scenario_from_yaml("technologies: {bus: [bev], truck: [bev]}\n", file="s.yaml")
    assert "battery vehicles of 'truck' are not modelled" in str(raised.value)
