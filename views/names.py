"""Names, not codes: what the app shows for the ids the model and the dataset use.

Every id a page would otherwise print (``ebus_2027``, ``e_bus``, ``blocked_uptake:CTB-CF-dd-gt300``,
``new_chargers``) is named here in the session's language, from the dataset's own tables
where it has them (depot and place names, target figures) and from the catalogue for the
model's fixed vocabulary (technologies, cost components, kinds of limit). An id nothing
names falls back to a readable form of itself, never to an error: a user's own dataset may
use ids the catalogue has never seen. The ids stay available for cross-reference with the
command line's JSON (pages show them in a details expander or a tooltip).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fleetplan.views.i18n import N_, t

# --------------------------------------------------------------------------- fixed vocabulary

TECHNOLOGIES = {
    "diesel": N_("diesel"),
    "lpg": N_("LPG"),
    "petrol": N_("petrol"),
    "bev": N_("battery electric"),
    "fcev": N_("fuel cell"),
}
#: vehicle class -> (one vehicle, many vehicles)
CLASSES = {
    "bus": (N_("bus"), N_("buses")),
    "taxi": (N_("taxi"), N_("taxis")),
    "minibus": (N_("minibus"), N_("minibuses")),
    "truck": (N_("truck"), N_("trucks")),
}
VEHICLE_TYPES = {
    "bus_double": N_("double-deck bus"),
    "bus_single": N_("single-deck bus"),
    "taxi": N_("taxi"),
    "minibus": N_("public light bus"),
    "truck": N_("heavy goods vehicle"),
}
#: vehicle type as a segment's middle part ("…, double-deck, duties over 300 km")
TYPE_SHORT = {"bus_double": N_("double-deck"), "bus_single": N_("single-deck")}
COST_COMPONENTS = {
    "vehicles": N_("vehicles"),
    "energy_and_maintenance": N_("energy and maintenance"),
    "depot_chargers": N_("depot chargers"),
    "public_chargers": N_("public chargers"),
    "hydrogen_stations": N_("hydrogen stations"),
    "grid_upgrades": N_("grid upgrades"),
    "carbon": N_("carbon price"),
    "early_retirement": N_("early retirement"),
}
PENALTIES = {
    "soft_targets": N_("soft targets missed"),
    "blocked_uptake": N_("uptake blocked (no charging, grid or hydrogen)"),
    "unserved_taxi_charging": N_("taxi charging not served"),
    "fleet_pledges_short": N_("operators' fleet pledges not served"),
}
SITE_KINDS = {
    "bus_depot": N_("bus depot"),
    "car_park": N_("car park"),
    "petrol_station": N_("petrol station"),
    "lpg_station": N_("LPG station"),
    "landfill": N_("restored landfill"),
    "hydrogen_station": N_("hydrogen station"),
    "hydrogen_production": N_("hydrogen production site"),
}
CHARGER_KINDS = {
    "depot": N_("bus depot"),
    "public": N_("public fast charging"),
    "taxi_zone": N_("taxi zone"),
}
STATUSES = {
    "optimal": N_("optimal"),
    "time_limit": N_("stopped on the time limit"),
    "node_limit": N_("stopped on the node limit"),
    "infeasible": N_("no feasible plan"),
    "bad_input": N_("input problem"),
    "error": N_("error"),
}
TARGET_TREATMENTS = {
    "hard": N_("must hold"),
    "soft": N_("penalised if missed"),
    "reported": N_("reported only"),
}

#: Names of the Hong Kong default's own ids (operators, programmes, taxi classes). A dataset
#: that uses other ids shows its own names (the programmes' ``name`` column) or the id.
OPERATORS = {
    "kmb": N_("KMB"),
    "ctb": N_("Citybus"),
    "lwb": N_("Long Win Bus"),
    "nlb": N_("New Lantao Bus"),
    "nwfb": N_("New World First Bus"),
}
PROGRAMME_SHORT = {
    "e_bus": N_("e-bus subsidy"),
    "e_taxi": N_("e-taxi subsidy"),
    "h2_trial": N_("hydrogen vehicle trial"),
}
DATA_NAMES = [
    # programme names as data/hk/programmes.csv writes them (translated when shown)
    N_("NET Fund e-bus subsidy (Green Transformation Roadmap)"),
    N_("NET Fund e-taxi subsidy"),
    N_("Hydrogen fuel-cell heavy vehicle trial subsidy scheme"),
]
#: District names of the Hong Kong default's zones (the map's place labels).
PLACES = [
    N_("Central and Western"),
    N_("Wan Chai"),
    N_("Eastern"),
    N_("Southern"),
    N_("Yau Tsim Mong"),
    N_("Sham Shui Po"),
    N_("Kowloon City"),
    N_("Wong Tai Sin"),
    N_("Kwun Tong"),
    N_("Kwai Tsing"),
    N_("Tsuen Wan"),
    N_("Sha Tin"),
    N_("Sai Kung"),
    N_("Islands"),
    N_("Tuen Mun"),
    N_("Yuen Long"),
    N_("North"),
    N_("Tai Po"),
    N_("Mong Kok"),
    N_("Causeway Bay"),
]
TAXI_CLASSES = {
    "urban": N_("urban taxis"),
    "nt": N_("New Territories taxis"),
    "lantau": N_("Lantau taxis"),
    "green": N_("green minibuses"),
    "red": N_("red minibuses"),
}

#: The model's kinds of limit (``kind:what`` in ``binding_limits`` and marginal values),
#: in the order a reader should meet them: money first, then what stops vehicles.
LIMIT_KINDS: dict[str, tuple[str, str]] = {
    # kind -> (group heading, one limit with {what})
    "budget": (N_("Money"), N_("total subsidy budget")),
    "programme_cap": (N_("Money"), N_("programme cap of {what}")),
    "yearly_limit": (N_("Money"), N_("yearly limit {what}")),
    "per_vehicle_cap": (
        N_("Payment per vehicle"),
        N_("per-vehicle cap of {what} (top payment level)"),
    ),
    "eligibility_window": (N_("Payment per vehicle"), N_("eligibility window of {what}")),
    "target": (N_("Targets"), N_("target: {what}")),
    "depot_space": (N_("Depot space"), N_("depot space at {what}")),
    "grid": (N_("Grid connections"), N_("grid connection at {what}")),
    "blocked_uptake": (
        N_("Uptake blocked (no charging, grid or hydrogen)"),
        N_("uptake blocked in {what}"),
    ),
    "taxi_charging": (N_("Taxi fast charging"), N_("taxi fast charging in {what}")),
    "fleet_pledge": (N_("Operators' fleet pledges not served"), N_("fleet pledge short in {what}")),
}

#: Families of limits the infeasibility diagnosis relaxes (optimiser/diagnosis.py), with their units.
FAMILIES: dict[str, tuple[str, str]] = {
    "targets": (N_("hard targets"), N_("vehicles short")),
    "budget": (N_("total subsidy budget"), N_("HK$ million over")),
    "programme_caps": (N_("programme caps"), N_("HK$ million over")),
    "yearly_limits": (N_("yearly limits"), N_("HK$ million over")),
    "depot_charging_energy": (
        N_("depot charging energy"),
        N_("MWh/day or buses short of charging"),
    ),
    "depot_space": (N_("depot space"), N_("chargers more than the spaces")),
    "grid_connection": (N_("grid connections"), N_("MVA over the connection")),
    "taxi_charging": (N_("taxi fast charging"), N_("MWh/day of taxi charging unserved")),
    "public_charger_space": (N_("public charger space"), N_("chargers more than the spaces")),
    "hydrogen_capacity": (N_("hydrogen station capacity"), N_("t H2/day over capacity")),
}

#: Result table columns in words (units in brackets); ids keep their JSON names elsewhere.
COLUMNS = {
    "year": N_("year"),
    "vehicle_class": N_("vehicle class"),
    "vehicle_type": N_("vehicle type"),
    "technology": N_("technology"),
    "vehicles": N_("vehicles"),
    "segment_id": N_("fleet segment"),
    "programme_id": N_("programme"),
    "payment_level": N_("payment level (share of the cap)"),
    "payment_per_vehicle_hkd": N_("payment per vehicle (HK$)"),
    "free_riders": N_("free riders (vehicles)"),
    "induced": N_("induced (vehicles)"),
    "subsidy_hkd": N_("subsidy (HK$)"),
    "component": N_("component"),
    "discounted_hkd": N_("HK$ (discounted)"),
    "whole_units_hkd": N_("HK$ in whole units (discounted)"),
    "ttw_t": N_("tank-to-wheel (t CO2)"),
    "wtw_t": N_("well-to-wheel (t CO2)"),
    "baseline_ttw_t": N_("baseline tank-to-wheel (t CO2)"),
    "baseline_wtw_t": N_("baseline well-to-wheel (t CO2)"),
    "years_represented": N_("years represented"),
    "abated_t": N_("abated per year (t CO2)"),
    "abated_total_t": N_("abated over the years represented (t CO2)"),
    "basis": N_("basis"),
    "name": N_("name"),
    "value": N_("value"),
    "unit": N_("unit"),
    "meaning": N_("meaning"),
    "valid_up_to": N_("valid up to (HK$)"),
    "flag": N_("flag"),
    "system_cost_hkd_per_hkd": N_("system cost per extra HK$1 (HK$)"),
    "penalty_hkd_per_hkd": N_("penalty per extra HK$1 (HK$)"),
    "step_hkd": N_("re-solve step (HK$)"),
    "step_system_cost_hkd_per_hkd": N_("re-solved: system cost per extra HK$1 (HK$)"),
    "step_penalty_hkd_per_hkd": N_("re-solved: penalty per extra HK$1 (HK$)"),
    "step_agrees": N_("re-solve agrees"),
    "free_riders_share": N_("free-rider share"),
    "chargers_in_service": N_("chargers in service"),
    "chargers_added": N_("chargers added that year"),
    "new_kw": N_("charging kW in service"),
    "kva_needed": N_("grid kVA needed"),
    "grid_headroom_kva": N_("grid headroom (kVA)"),
    "grid_upgrade_ordered_kva": N_("grid upgrade ordered (kVA)"),
    "grid_upgrade_in_service_kva": N_("grid upgrade in service (kVA)"),
    "target": N_("target"),
    "min_zev": N_("required zero-emission vehicles"),
    "achieved_zev": N_("zero-emission vehicles in the plan"),
    "short": N_("short by (vehicles)"),
    "met": N_("met"),
    "treatment": N_("treatment"),
}
#: Columns with values people read in words (the rest are numbers or names already).
VALUE_NAMES = {
    "technology": TECHNOLOGIES,
    "component": COST_COMPONENTS,
    "vehicle_type": VEHICLE_TYPES,
    "treatment": TARGET_TREATMENTS,
}
#: Columns left out of the tables on screen (kept in the exports): model internals.
HIDDEN_COLUMNS = {"vehicles_model", "label", "location", "dual", "step_status", "basis"}

_DUTY = re.compile(r"^(le|gt|lt|ge)?(\d+)(?:-(\d+))?$")


def _named(table: dict[str, str], code: Any) -> str:
    text = table.get(str(code))
    return t(text) if text is not None else str(code)


def technology(code: Any) -> str:
    return _named(TECHNOLOGIES, code)


def vehicle_class(code: Any, *, plural: bool = False) -> str:
    names = CLASSES.get(str(code))
    return t(names[1] if plural else names[0]) if names else str(code)


def vehicle_type(code: Any) -> str:
    return _named(VEHICLE_TYPES, code)


def cost_component(code: Any) -> str:
    return _named(COST_COMPONENTS, code)


def penalty(code: Any) -> str:
    return _named(PENALTIES, code)


def site_kind(code: Any) -> str:
    return _named(SITE_KINDS, code)


def charger_kind(code: Any) -> str:
    return _named(CHARGER_KINDS, code)


def status(code: Any) -> str:
    return _named(STATUSES, code)


def operator(code: Any) -> str:
    return _named(OPERATORS, code) if str(code) in OPERATORS else str(code).upper()


def duty_band(band: Any) -> str:
    """``le200`` -> "duties up to 200 km", ``200-300`` -> "duties of 200-300 km", ``gt300`` -> "duties over 300 km"."""
    match = _DUTY.match(str(band).strip().lower())
    if not match:
        return t("duties {band}", band=band)
    prefix, low, high = match.groups()
    if high is not None:
        return t("duties of {low}-{high} km", low=low, high=high)
    if prefix in ("gt", "ge"):
        return t("duties over {km} km", km=low)
    return t("duties up to {km} km", km=low)


def _share(value: float) -> str:
    return f"{value:.0%}"


@dataclass
class Names:
    """Names of one dataset's ids (and a result's, for truck corridors and targets as solved).

    Built from plain tables; any of them may be missing (a page without a dataset still
    names the fixed vocabulary and shows the rest as the ids they are).
    """

    depots: dict[str, dict[str, Any]] = field(default_factory=dict)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    programmes: dict[str, str] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)
    flows: dict[str, tuple[str, str]] = field(default_factory=dict)
    sites: dict[str, str] = field(default_factory=dict)
    commitments: dict[str, tuple[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, dataset: Any = None, result: Any = None) -> Names:
        """Names from a :class:`~fleetplan.network.loaders.Dataset` and/or a :class:`PlanResult`."""
        names = cls()
        table = _frame(dataset, "depots")
        if table is not None:
            names.depots = {
                str(r.depot_id): {"name": str(r.name), "operator": str(getattr(r, "operator", ""))}
                for r in table.itertuples(index=False)
            }
        table = _frame(dataset, "bus_segments")
        if table is not None:
            for r in table.itertuples(index=False):
                names.segments[str(r.segment_id)] = {
                    "kind": "depot",
                    "depot": str(r.depot_id),
                    "type": str(r.vehicle_type),
                    "band": str(getattr(r, "duty_band", "")),
                }
        table = _frame(dataset, "taxi_classes")
        if table is not None:
            for r in table.itertuples(index=False):
                vclass = str(getattr(r, "vehicle_class", "taxi"))
                names.segments[f"{vclass}_{r.taxi_class}"] = {
                    "kind": "zone",
                    "class": vclass,
                    "fleet": str(r.taxi_class),
                }
        table = _frame(dataset, "programmes")
        if table is not None:
            names.programmes = {
                str(r.programme_id): str(r.name)
                for r in table.drop_duplicates("programme_id").itertuples(index=False)
            }
        table = _frame(dataset, "targets")
        if table is not None:
            names.targets = {str(r.target_id): {"class": str(r.vehicle_class), "year": r.year, "min_zev": r.min_zev, "share": getattr(r, "min_zev_share", None)}
                             for r in table.itertuples(index=False)}  # fmt: skip
        table = _frame(dataset, "taxi_zones")
        if table is not None:
            names.zones = {str(r.zone_id): str(r.name) for r in table.itertuples(index=False)}
        table = _frame(dataset, "truck_places")
        if table is not None:
            names.places = {str(r.place_id): str(r.name) for r in table.itertuples(index=False)}
        table = _frame(dataset, "truck_flows")
        if table is not None:
            names.flows = {
                str(r.flow_id): (str(r.origin), str(r.destination))
                for r in table.itertuples(index=False)
            }
        table = _frame(dataset, "candidate_sites")
        if table is not None:
            names.sites = {str(r.site_id): str(r.name) for r in table.itertuples(index=False)}
        table = _frame(dataset, "operator_commitments")
        if table is not None:
            names.commitments = {
                str(r.commitment_id): (str(r.operator), _int(r.year))
                for r in table.itertuples(index=False)
            }
        if result is not None:
            names.add_result(result)
        return names

    def add_result(self, result: Any) -> None:
        """Segments only a solve knows (truck corridors) and targets as the scenario set them."""
        fleet = getattr(result, "fleet", None)
        if isinstance(fleet, pd.DataFrame) and not fleet.empty and "label" in fleet.columns:
            for r in fleet.drop_duplicates("segment_id").itertuples(index=False):
                if str(r.segment_id) not in self.segments:
                    self.segments[str(r.segment_id)] = {
                        "kind": "other",
                        "class": str(r.vehicle_class),
                        "location": str(r.location),
                        "label": str(r.label),
                    }
        targets = getattr(result, "targets", None)
        if (
            isinstance(targets, pd.DataFrame)
            and not targets.empty
            and "target_id" in targets.columns
        ):
            for r in targets.itertuples(index=False):
                known = self.targets.setdefault(
                    str(r.target_id), {"class": str(r.vehicle_class), "share": None}
                )
                known.update({"year": r.year, "required": r.min_zev})

    # ------------------------------------------------------------------ ids to names

    def depot(self, depot_id: Any) -> str:
        depot = self.depots.get(str(depot_id))
        return depot["name"] if depot else str(depot_id)

    def site(self, site_id: Any) -> str:
        return self.sites.get(str(site_id), str(site_id))

    def zone(self, zone_id: Any) -> str:
        return self.zones.get(str(zone_id), str(zone_id))

    def programme(self, programme_id: Any, *, short: bool = True) -> str:
        """A programme by its short name (charts, tables) or its full name."""
        code = str(programme_id)
        if short and code in PROGRAMME_SHORT:
            return t(PROGRAMME_SHORT[code])
        full = self.programmes.get(code)
        return t(full) if full else code

    def target(self, target_id: Any) -> str:
        """``ebus_2027`` -> "700 zero-emission buses by 2027"; ``bus_zev_2050`` -> "all buses zero-emission by 2050"."""
        code = str(target_id)
        target = self.targets.get(code)
        if not target:
            return code
        cls = vehicle_class(target["class"], plural=True)
        year = _int(target.get("year"))
        share = _number(target.get("share"))
        required = _number(target.get("required", target.get("min_zev")))
        if share is not None and (required is None or "required" not in target):
            if share >= 0.9995:
                return t("all {vehicles} zero-emission by {year}", vehicles=cls, year=year)
            return t(
                "{share} of {vehicles} zero-emission by {year}",
                share=_share(share),
                vehicles=cls,
                year=year,
            )
        if required is None:
            required = _number(target.get("min_zev"))
        if required is None:
            return code
        if share is not None and share >= 0.9995:
            return t(
                "all {vehicles} zero-emission by {year} ({n} vehicles)",
                vehicles=cls,
                year=year,
                n=f"{required:,.0f}",
            )
        return t(
            "{n} zero-emission {vehicles} by {year}", n=f"{required:,.0f}", vehicles=cls, year=year
        )

    def segment(self, segment_id: Any) -> str:
        """A fleet segment in words: "Citybus Chai Wan Depot (E), double-deck, duties over 300 km"."""
        code = str(segment_id)
        segment = self.segments.get(code)
        if segment is None:
            return code
        if segment["kind"] == "depot":
            depot = self.depots.get(segment["depot"], {})
            who = " ".join(
                p
                for p in (
                    operator(depot["operator"]) if depot.get("operator") else "",
                    depot.get("name", segment["depot"]),
                )
                if p
            )
            kind = (
                _named(TYPE_SHORT, segment["type"])
                if segment["type"] in TYPE_SHORT
                else vehicle_type(segment["type"])
            )
            parts = [who, kind] + ([duty_band(segment["band"])] if segment["band"] else [])
            return t(", ").join(parts)
        if segment["kind"] == "zone":
            fleet = segment["fleet"]
            return (
                t(TAXI_CLASSES[fleet])
                if fleet in TAXI_CLASSES
                else f"{fleet} {vehicle_class(segment['class'], plural=True)}"
            )
        return self.corridor(segment)

    def corridor(self, segment: dict[str, Any]) -> str:
        """A truck corridor: "Kwai Tsing Container Terminals → Lok Ma Chau" (and N similar corridors)."""
        location, label = segment.get("location", ""), segment.get("label", "")
        first, more = location, 0
        match = re.match(r"^(\S+) and (\d+) similar corridors$", label)
        if match:
            first, more = match.group(1), int(match.group(2))
        ends = self.flows.get(first)
        if ends is None:
            return label or location
        trip = f"{self.places.get(ends[0], ends[0])} → {self.places.get(ends[1], ends[1])}"
        cls = vehicle_class(segment.get("class", "truck"), plural=True)
        if more:
            return t(
                "{vehicles}: {trip} and {n} similar corridors", vehicles=cls, trip=trip, n=more
            )
        return t("{vehicles}: {trip}", vehicles=cls, trip=trip)

    def anything(self, code: Any) -> str:
        """An id of any kind this dataset names (depot, site, zone, segment, target), else the id."""
        code = str(code)
        for known, name in ((self.depots, self.depot), (self.sites, self.site), (self.zones, self.zone), (self.segments, self.segment),
                            (self.targets, self.target)):  # fmt: skip
            if code in known:
                return name(code)
        return code

    def commitment(self, code: Any) -> str:
        """An operator's order or pledge by operator and year ("Citybus, 2027")."""
        found = self.commitments.get(str(code))
        return (
            t("{operator}, {year}", operator=operator(found[0]), year=found[1])
            if found
            else str(code)
        )

    def segment_list(self, text: Any) -> str:
        """The model's "A, B, C and 2 more" list of segment ids, named."""
        match = re.match(r"^(.*?)(?: and (\d+) more)?$", str(text))
        ids = [
            part.strip()
            for part in (match.group(1) if match else str(text)).split(", ")
            if part.strip()
        ]
        named = t("; ").join(self.segment(code) for code in ids)
        more = match.group(2) if match else None
        return named + (" " + t("and {n} more", n=more) if more else "")

    def limit_subject(self, code: Any) -> str:
        """What a limit is about: the depot, segment, zone or target it names."""
        kind, _, what = str(code).partition(":")
        return {"depot_space": self.depot, "grid": self.site, "blocked_uptake": self.segment, "taxi_charging": self.zone,
                "target": self.target, "fleet_pledge": self.segment}.get(kind, lambda w: str(code))(what)  # fmt: skip

    def limit(self, code: Any) -> str:
        """A limit as the model names it (``kind:what``) in words; an unknown kind stays as written."""
        kind, _, what = str(code).partition(":")
        if kind not in LIMIT_KINDS:
            return str(code)
        template = LIMIT_KINDS[kind][1]
        if kind in ("programme_cap", "per_vehicle_cap", "eligibility_window"):
            what = self.programme(what)
        elif kind == "depot_space":
            what = self.depot(what)
        elif kind == "grid":
            what = self.site(what)
        elif kind in ("blocked_uptake", "fleet_pledge"):
            what = self.segment(what)
        elif kind == "taxi_charging":
            what = self.zone(what)
        elif kind == "target":
            what = self.target(what)
        return t(template, what=what)

    def model_text(self, text: Any) -> str:
        """One of the model's sentences with the ids in it named (limits, targets)."""
        from fleetplan.views.i18n import model_text

        params = getattr(text, "params", None)
        if not params:
            return model_text(text)
        named = dict(params)
        if getattr(text, "key", None) == "infeasible_family":
            family = str(named.get("family", ""))
            if family in FAMILIES:
                named["family"], named["unit"] = t(FAMILIES[family][0]), t(FAMILIES[family][1])
            code = str(named.get("code", ""))
            named["where"] = self.target(code) if family == "targets" else self.anything(code)
            return model_text(_Renamed(text, named))
        for key in ("operator",):
            if key in named:
                named[key] = operator(named[key])
        for key in ("technology", "incumbent"):
            if key in named:
                named[key] = technology(named[key])
        for key in ("order", "pledge"):
            if key in named:
                named[key] = self.commitment(named[key])
        for key in (
            "capped",
            "vehicles",
            "max_zev",
            "required",
            "retire",
            "natural",
            "uptake",
            "infrastructure",
            "short",
        ):
            number = _number(str(named.get(key, "")).replace(",", ""))
            if number is not None:
                named[key] = f"{number:,.0f}"  # whole vehicles
        if "segments" in named:
            named["segments"] = self.segment_list(named["segments"])
        if "by_class" in named:
            named["by_class"] = _by_class(named["by_class"])
        if "name" in named:
            named["name"] = self.limit(named["name"])
        if "target" in named:
            named["target"] = self.target(named["target"])
        if "vclass" in named:
            named["vclass"] = vehicle_class(named["vclass"], plural=True)
        return model_text(_Renamed(text, named))

    # ------------------------------------------------------------------ tables

    def table(self, frame: pd.DataFrame, *, keep: tuple[str, ...] = ()) -> pd.DataFrame:
        """A result table for the screen: ids named, values in words, columns in the session's language."""
        if not isinstance(frame, pd.DataFrame):
            return pd.DataFrame()
        view = frame.drop(
            columns=[c for c in frame.columns if c in HIDDEN_COLUMNS and c not in keep]
        )
        for column in view.columns:
            if column == "segment_id":
                view[column] = [self.segment(v) for v in view[column]]
            elif column == "programme_id":
                view[column] = [self.programme(v) for v in view[column]]
            elif column == "target_id":
                view[column] = [self.target(v) for v in view[column]]
            elif column == "vehicle_class":
                view[column] = [vehicle_class(v) for v in view[column]]
            elif column == "depot_id":
                view[column] = [self.depot(v) for v in view[column]]
            elif column == "zone_id":
                view[column] = [self.zone(v) for v in view[column]]
            elif column == "site_id":
                view[column] = [self.site(v) for v in view[column]]
            elif column == "name" and "value" in view.columns and "meaning" in view.columns:
                view[column] = [self.limit(v) for v in view[column]]
            elif column == "meaning":
                view[column] = [self.model_text(v) for v in view[column]]
            elif column in VALUE_NAMES:
                view[column] = [_named(VALUE_NAMES[column], v) for v in view[column]]
            elif column in (
                "vehicles",
                "free_riders",
                "induced",
                "achieved_zev",
                "short",
                "min_zev",
            ) and pd.api.types.is_numeric_dtype(view[column]):
                view[column] = view[column].round(0).astype("Int64")  # whole vehicles
            elif view[column].dtype == bool:
                view[column] = [t("yes") if v else t("no") for v in view[column]]
        return localised_columns(view)


class _Renamed(str):
    """A model sentence with its values replaced (the key kept): for :func:`model_text`."""

    def __new__(cls, text: Any, params: dict[str, Any]) -> _Renamed:
        made = super().__new__(cls, str(text))
        made.key = getattr(text, "key", None)  # type: ignore[attr-defined]
        made.params = params  # type: ignore[attr-defined]
        return made


def _by_class(text: Any) -> str:
    """The model's "truck fcev 3,587, bus bev 867" (class, technology, vehicles) in words."""
    parts = []
    for item in str(text).split(", "):
        words = item.split()
        if len(words) == 3:
            parts.append(
                t(
                    "{vehicles} ({technology}): {n}",
                    vehicles=vehicle_class(words[0], plural=True),
                    technology=technology(words[1]),
                    n=words[2],
                )
            )
        else:
            parts.append(item)
    return t("; ").join(parts)


def localised_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its column names in the session's language (a column the catalogue does
    not know reads as words, never as an identifier: ``some_new_column`` -> "some new column")."""
    return frame.rename(
        columns={
            c: t(COLUMNS[c]) if c in COLUMNS else str(c).replace("_", " ") for c in frame.columns
        }
    )


def _frame(dataset: Any, name: str) -> pd.DataFrame | None:
    frame = getattr(dataset, name, None) if dataset is not None else None
    return frame if isinstance(frame, pd.DataFrame) and not frame.empty else None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> Any:
    number = _number(value)
    return int(number) if number is not None else value


# --------------------------------------------------------------------------- binding limits


#: Kinds of limit listed by their subject under a heading that names the kind.
SUBJECT_KINDS = {"depot_space", "grid", "blocked_uptake", "taxi_charging", "target", "fleet_pledge"}


@dataclass
class LimitGroup:
    """Binding limits of one kind: a heading, the limits in words (most important first), their codes."""

    heading: str
    items: list[tuple[str, str, float]]  # (limit in words, code, weight: vehicles or HK$ held back)

    @property
    def count(self) -> int:
        return len(self.items)


def grouped_limits(codes: list[str], names: Names, result: Any = None) -> list[LimitGroup]:
    """The binding limits grouped by kind in reading order; within a kind, the ones that hold
    back most first (blocked uptake by vehicles blocked, the rest as the model lists them)."""
    blocked: dict[str, float] = {}
    purchases = getattr(result, "purchases", None)
    if (
        isinstance(purchases, pd.DataFrame)
        and not purchases.empty
        and "blocked" in purchases.columns
    ):
        blocked = purchases.groupby("segment_id")["blocked"].sum().to_dict()
    groups: dict[str, LimitGroup] = {}
    order = list(dict.fromkeys(heading for heading, _ in LIMIT_KINDS.values()))
    for code in codes:
        kind, _, what = str(code).partition(":")
        heading = LIMIT_KINDS[kind][0] if kind in LIMIT_KINDS else N_("Other limits")
        weight = float(blocked.get(what, 0.0)) if kind == "blocked_uptake" else 0.0
        # Under a heading that names the kind ("Depot space"), each limit is just its subject.
        text = names.limit_subject(code) if kind in SUBJECT_KINDS else names.limit(code)
        groups.setdefault(heading, LimitGroup(t(heading), [])).items.append(
            (text, str(code), weight)
        )
    for group in groups.values():
        group.items.sort(key=lambda item: -item[2])
    return [groups[h] for h in [*order, N_("Other limits")] if h in groups]
