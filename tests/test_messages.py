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

    data = tiny_dataset(parameters={("vehicle_price_hkd", "bus_double", "bev"): 12_000_000}, programmes=[ebus_programme()])
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
