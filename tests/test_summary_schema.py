"""The plan summary is one typed model: ``fleetplan schema`` prints its JSON Schema, what
``fleetplan solve --json`` prints validates against it, and README lists its keys with units."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from fleetplan.optimiser.summary import NO_POLICY_ONLY, PlanSummary, keys_markdown
from tests.test_cli import run, write_scenario

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def schema() -> dict:
    printed = run("schema", check=True)
    return json.loads(printed.stdout)


def test_solve_json_validates_against_the_printed_schema(
    schema: dict, tiny_folder: Path, tmp_path: Path
) -> None:
    """Most abatement on the tiny city with HK$20m (4 subsidised buses, see test_cli), the
    no-policy plan solved too: every key the schema knows, in the types it says."""
    scenario = write_scenario(
        tmp_path / "s.yaml", tiny_folder, objective="max_abatement", budget="{total_hkd: 20.0e6}"
    )
    summary = json.loads(run("solve", scenario, "--json", check=True).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(summary, schema, cls=jsonschema.Draft202012Validator)
    # with a no-policy plan, every field is there; the schema requires the rest always
    assert set(summary) == set(PlanSummary.model_fields)
    assert set(schema["required"]) == set(PlanSummary.model_fields) - set(NO_POLICY_ONLY)
    assert summary["stations"] and summary["subsidy_hkd_total"] == pytest.approx(20e6)


def test_the_schema_rejects_a_summary_of_another_shape(schema: dict) -> None:
    # What a validation against it can catch: a missing key, a text where a number belongs, a key no one knows.
    good = {
        "scenario": "s", "fingerprint": "f", "status": "optimal", "gap": 0.0, "objective": 1.0, "best_bound": 1.0,
        "objective_unit": "HK$ million", "gap_absolute": 0.0, "budget_hkd": 0.0, "subsidy_hkd_total": 0.0,
        "subsidy_hkd_by_programme": {}, "programme_caps_hkd": {}, "payment_rule_by_programme": {},
        "subsidy_vehicles_by_programme": {}, "subsidy_payment_hkd_by_programme_year": {}, "free_rider_share_by_programme": {},
        "binding_limits": [], "penalties_hkd": {}, "zev_in_service": {"bus": {"2025": 3}}, "committed_public_chargers": {},
        "co2_abated_t": 0.0, "co2_abated_basis": "wtw", "system_cost_hkd": 0.0, "system_cost_hkd_by_component": {},
        "money_basis": {}, "co2_abated_by_subsidised_t": 0.0, "co2_t_per_hkd_m_definition": None,
        "co2_abated_vs_no_policy_t": None, "co2_t_per_hkd_m_subsidy_vs_no_policy": None, "stations": [], "targets": [],
        "marginal_values": [], "timings_s": {}, "notes": [],
    }  # fmt: skip
    jsonschema.validate(good, schema)
    for bad in (
        {k: v for k, v in good.items() if k != "status"},
        {**good, "co2_abated_t": "584"},
        {**good, "zev_in_service": {"bus": {"2025": 2.5}}},
        {**good, "co2_abated_tonnes": 1.0},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_every_field_names_its_unit_or_kind_and_readme_lists_them() -> None:
    for name, info in PlanSummary.model_fields.items():
        assert info.description, name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- summary-keys: fleetplan schema --markdown -->\n", "<!-- /summary-keys -->"
    assert start in readme and end in readme
    listed = readme.split(start, 1)[1].split(end, 1)[0]
    assert listed == keys_markdown(), (
        "README's list of summary keys is stale: paste `fleetplan schema --markdown`"
    )


def test_the_figures_are_built_once_and_again_when_the_result_changes() -> None:
    """The tiny city with no programme: one solve, its figures read many times, built once."""
    from fleetplan.optimiser.plan import plan
    from tests.test_formulation import scenario
    from tests.tiny import tiny_dataset

    result = plan(scenario(), tiny_dataset(), marginals=False, counterfactual=False)
    figures = result.figures
    assert result.figures is figures and result.summary() == figures.to_dict()
    # without a no-policy plan its fields are absent, not None (as before the typed model)
    assert not set(NO_POLICY_ONLY) & set(result.summary())
    # a field set after extraction (plan() sets marginal values and timings so) is read again ...
    result.budget_hkd = 123.0
    assert result.figures is not figures and result.figures.budget_hkd == 123.0
    # ... and so is a note appended in place
    result.notes.append("a note")
    assert result.summary()["notes"][-1] == "a note"
