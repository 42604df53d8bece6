"""The model's sentences: plain English strings everywhere, translatable in the app."""

from __future__ import annotations

import json
import pickle
import string

import pytest

from fleetplan.optimiser.messages import TEMPLATES, ModelText
from fleetplan.optimiser.plan import plan
from tests.tiny import ebus_programme, tiny_dataset


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_template_is_in_the_catalogue_with_the_same_values() -> None:
    """The model's templates are messages of the 繁體中文 gettext catalogue: each translated, in
    its own words, with the template's placeholders."""
    from fleetplan.views.i18n import translations

    chinese = translations("zh")
    for key, template in TEMPLATES.items():
        said = chinese.gettext(template)
        assert said != template, key
        assert _fields(said) == _fields(template), key


def test_a_model_text_is_a_plain_string_that_keeps_its_key() -> None:
    text = ModelText("mv_not_binding", name="budget")
    assert text == "budget does not bind: raising it changes nothing"
    assert json.loads(json.dumps({"meaning": text})) == {"meaning": str(text)}
    back = pickle.loads(pickle.dumps(text))
    assert back == text and back.key == "mv_not_binding" and back.params == {"name": "budget"}


def test_the_app_says_a_plans_sentences_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real solve's marginal values (HK$20m buys 4 subsidised buses, tests/test_formulation.py)
    come back as ModelText; in 繁體中文 they read in Chinese with the same figures."""
    from fleetplan.views import i18n

    data = tiny_dataset(
        parameters={("vehicle_price_hkd", "bus_double", "bev"): 12_000_000},
        programmes=[ebus_programme()],
    )
    result = plan(tiny_dataset_scenario(), data)
    meanings = list(result.marginal_values["meaning"])
    assert meanings and all(isinstance(m, ModelText) for m in meanings)
    monkeypatch.setattr(i18n, "lang", lambda: "zh")
    for meaning in meanings:
        chinese = i18n.model_text(meaning)
        assert chinese != str(meaning)
        for value in meaning.params.values():
            assert value in chinese


def tiny_dataset_scenario():
    from fleetplan.optimiser.scenario import Scenario

    return Scenario.model_validate(
        {
            "years": {"start": 2025, "end": 2027},
            "objective": "max_abatement",
            "max_abatement": {"infrastructure": "budget"},
            "budget": {"total_hkd": 20e6},
            "technologies": {"bus": ["bev"], "taxi": [], "truck": []},
            "solver": {"mip_rel_gap": 1e-9, "mip_abs_gap": 0.0},
        }
    )


def test_the_infeasibility_diagnosis_reads_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 26: the diagnosis of a scenario with no plan (a hard target of 8 battery buses no
    operator would buy, tests/test_formulation.py) stays the model's English for the CLI, and
    the app says it in 繁體中文 with the target named, not coded, and the same shortfall."""
    from fleetplan.errors import InfeasibleError
    from fleetplan.views import i18n
    from fleetplan.views.names import Names
    from tests.test_formulation import NO_SWITCH, scenario

    data = tiny_dataset(
        parameters=NO_SWITCH,
        targets=[
            {
                "target_id": "ebus_2026",
                "vehicle_class": "bus",
                "year": 2026,
                "min_zev": 8,
                "min_zev_share": None,
                "hard": True,
            }
        ],
    )
    with pytest.raises(InfeasibleError) as raised:
        plan(scenario(), data, marginals=False)
    lines = raised.value.diagnosis
    assert any(
        "ebus_2026" in line and "8.0" in line for line in lines
    )  # the CLI's English, unchanged
    monkeypatch.setattr(i18n, "lang", lambda: "zh")
    said = [Names.of(data).model_text(line) for line in lines]
    target = next(line for line in said if "8.0" in line)
    assert "硬性目標" in target and "2026年前8輛零排放巴士" in target and "ebus_2026" not in target
