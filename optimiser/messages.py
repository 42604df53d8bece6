"""Sentences the model writes (notes, marginal values), as templates a view can translate.

A :class:`ModelText` is the English sentence (a plain ``str`` everywhere: JSON, CSV,
the CLI) that also carries its template key and values, so the app can say it in
繁體中文 from its own catalogue (``msg_<key>`` in ``views/i18n.py``). Values are
formatted before they go in, so both languages show the same figures.
"""

from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, str] = {
    "truck_same_node": "truck flows whose ends snap to one road node were left out: {flows}",
    "corridors_merged": "{flows} truck corridors merged into {segments} fleet segments (truck_corridor_km_band)",
    "zones_unreachable": "taxi zones with no public charging site within {km} km: {zones}",
    "targets_outside": "targets beyond the horizon are not modelled (extend years.end to include them): {targets}",
    "taxi_unserved": "taxi fast charging no site within reach can serve (penalised, not costed): {zones}",
    "bound_past_plan": (
        "HiGHS's bound {bound} is past its own plan's objective {objective}: no bound can be, so this solve's "
        "certified error does not hold; the plan is feasible, but re-solve (another solver.seed, or "
        "solver.lp_guided_start the other way) before quoting how far it is from the best plan"
    ),
    "order_capped": (
        "operator order {order} ({operator}: {vehicles} {technology} vehicles bought by {year}) capped at {capped} "
        "before the solve: natural replacement on the duties {technology} can run allows no more"
    ),
    "pledge_incumbent_duties": (
        "operator pledge {pledge} ({operator}, zero-emission purchases only from {year}): {share} of its vehicles run "
        "duties no zero-emission technology can run; their purchases stay {incumbent} ({segments})"
    ),
    "unservable_uptake": (
        "{total} zero-emission purchases operators would make cannot be served by any plan (every site in reach "
        "at its size limit, no charger room; found before the solve, reported, not penalised): {by_class}"
    ),
    "unservable_pledge": (
        "operators' zero-emission fleet pledges: up to {vehicles} vehicles (in {year}) cannot be served by any plan "
        "(depot charger room or hydrogen within reach at their limits; found before the solve, reported, not penalised): {by_operator}"
    ),
    "infeasible_family": "{family}: {total} {unit} in total; largest at {where} ({largest})",
    "infeasible_target": "target '{target}' (≥ {required} zero-emission {vclass} in {year})",
    "infeasible_unsolvable": "even with every family relaxed the model has no solution (status {status}); check the dataset",
    "infeasible_numerical": "no family needed relaxing: the original failure was numerical or a time limit; retry with a longer limit",
    "mv_not_binding": "{name} does not bind: raising it changes nothing",
    "mv_abatement": (
        "each extra HK$1m of {name} abates about {value} t CO2, for up to HK${room}m more "
        "(re-solved at +HK${probe}m: {more} t); payment levels and sites held"
    ),
    "mv_cost_falls": (
        "each extra HK$1 of {name}, for up to HK${room}m more, improves the objective by HK${value}; "
        "re-solved at +HK${probe}m: system cost falls by HK${cost}m and penalties (not costs) fall by "
        "HK${penalty}m; payment levels and sites held"
    ),
    "mv_cost_rises": (
        "each extra HK$1 of {name}, for up to HK${room}m more, improves the objective by HK${value}; "
        "re-solved at +HK${probe}m: system cost rises by HK${cost}m and penalties (not costs) fall by "
        "HK${penalty}m; payment levels and sites held"
    ),
    "mv_probe_no_plan": (
        "each extra HK$1 of {name}, for up to HK${room}m more, improves the objective by HK${value} (the LP's "
        "dual); with payment levels and sites held, no plan spends HK${probe}m more (the money ran out in "
        "years that cannot take more), so the value is not split into system cost and penalties"
    ),
    "mv_probe_unsolved": (
        "each extra HK$1 of {name}, for up to HK${room}m more, improves the objective by HK${value} (the LP's "
        "dual); its re-solve at +HK${probe}m ended without an answer (HiGHS: {status}), so the value is not "
        "split into system cost and penalties"
    ),
    "target_short": (
        "target {target} is out of reach in this scenario ({short} vehicles short); each vehicle short pays "
        "the soft-target penalty (a penalty, not a cost)"
    ),
    "mv_step_agrees": (
        "a re-solve of the plan (hydrogen stations held) with {name} HK${step}m higher agrees: HK${value} per extra HK$1 "
        "(system cost HK${cost}, penalties HK${penalty}; the two plans certified within HK${error}m together)"
    ),
    "mv_step_differs": (
        "quote the step, not the LP value: a re-solve of the plan (hydrogen stations held) with {name} HK${step}m higher gives "
        "HK${value} per extra HK$1 (system cost HK${cost}, penalties HK${penalty}; the two plans certified "
        "within HK${error}m together); the LP value holds only over its short range"
    ),
    "target_reported_short": (
        "target {target} is not reached in this plan ({short} vehicles short); reported, not penalised "
        "(fleetplan target-cost prices reaching it)"
    ),
    "target_slack": "target {target} does not bind: the plan exceeds it anyway",
    "target_binds_cost": "one more zero-emission vehicle in target {target} costs HK${value}m (payment levels and sites held)",
    "target_binds_tonnes": "one more zero-emission vehicle in target {target} costs {value} t CO2 (payment levels and sites held)",
    "tc_natural_replacement": (
        "natural replacement (with the retirements operators have pledged) allows at most {max_zev} zero-emission vehicles "
        "({vclass}) by {year}, {required} required; "
        "early retirement of at least {retire} would be needed"
    ),
    "tc_uptake": (
        "even with every programme paying its top level in its open years, operators would buy at most {max_zev} zero-emission "
        "vehicles ({vclass}) by {year}, {required} required (natural replacement would allow {natural})"
    ),
    "tc_infrastructure": (
        "the chargers, grid and hydrogen stations the model can provide serve at most {max_zev} zero-emission "
        "vehicles ({vclass}) by {year}, {required} required (operators would buy up to {uptake})"
    ),
    "tc_money": (
        "the budget and programme caps pay for at most {max_zev} zero-emission vehicles ({vclass}) by {year}, "
        "{required} required ({infrastructure} without them)"
    ),
    "tc_whole_numbers": (
        "the relaxed model allows {max_zev} zero-emission vehicles ({vclass}) by {year}, {required} required, "
        "but no plan in whole numbers meets it: {reason}"
    ),
    "tc_binding": "what binds: {rows}",
    "tc_er_not_enough": "early retirement would not close it: at most {max_zev} with it",
    "tc_er_not_priced": "with early retirement up to {max_zev} are possible; not priced (beyond the {budget} s time budget)",
    "tc_er_infeasible": "with early retirement the relaxed model reaches it, but no plan was found: {reason}",
    "tc_er_priced": (
        "with early retirement allowed it is met: {retired} of today's vehicles ({vclass}) retired early by {year} "
        "({retired_all} of every class over the horizon, where that pays); system cost HK${cost}m and subsidy "
        "HK${subsidy}m against the plan without targets"
    ),
}


def _rebuild(key: str, params: dict[str, str]) -> ModelText:
    return ModelText(key, **params)


class ModelText(str):
    """An English sentence of the model that remembers its template ``key`` and ``params``."""

    key: str
    params: dict[str, str]

    def __new__(cls, key: str, **params: Any) -> ModelText:
        values = {name: str(value) for name, value in params.items()}
        text = super().__new__(cls, TEMPLATES[key].format(**values))
        text.key = key
        text.params = values
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        # Streamlit caches and Dask ship results by pickling: keep key and values.
        return (_rebuild, (self.key, self.params))
