"""For bus operators: each depot's chargers, kW and grid kVA by year, and the depot sizing tool."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fleetplan.errors import InfeasibleError, InputError
from fleetplan.optimiser.results import PlanResult
from fleetplan.views import state, uploads
from fleetplan.views.i18n import N_, t
from fleetplan.views.names import localised_columns
from fleetplan.views.results import TEMPLATE, chart

MAX_BLOCKS_UPLOAD = 5 * 1024 * 1024
SAMPLE_BUSES = 20
#: Of the sample's buses, the last ones run split duties (out for the two peaks, back at midday).
SAMPLE_SPLIT = 4


def sample_blocks(n: int = SAMPLE_BUSES) -> pd.DataFrame:
    """A made-up depot: staggered morning pull-outs, late-evening pull-ins, 140-240 km duties, and
    a few split duties (morning and evening peaks, back at the depot in between)."""
    rows = []
    for i in range(n - SAMPLE_SPLIT):
        out_minutes = 5 * 60 + (i * 17) % 150
        in_minutes = (22 * 60 + (i * 29) % 150) % 1440
        rows.append(
            {
                "bus": f"S{i + 1:02d}",
                "pull_out": _hhmm(out_minutes),
                "pull_in": _hhmm(in_minutes),
                "km": float(140 + (i * 37) % 100),
            }
        )
    for j in range(SAMPLE_SPLIT):
        bus = f"P{j + 1:02d}"
        rows.append(
            {
                "bus": bus,
                "pull_out": _hhmm(6 * 60 + 15 * j),
                "pull_in": _hhmm(10 * 60 + 15 * j),
                "km": 130.0 + 10 * j,
            }
        )
        rows.append(
            {
                "bus": bus,
                "pull_out": _hhmm(16 * 60 + 15 * j),
                "pull_in": _hhmm(20 * 60 + 15 * j),
                "km": 140.0 + 10 * j,
            }
        )
    return pd.DataFrame(rows)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def depot_table(result: PlanResult, depot_id: str) -> pd.DataFrame:
    """One row per year: chargers in service and added that year, kW, kVA needed, headroom, upgrade ordered and in service.

    The result's ``new_chargers`` counts the chargers in service each year (a running total);
    the chargers added are its year-on-year increase."""
    rows = result.chargers[
        (result.chargers["charger_kind"] == "depot") & (result.chargers["depot_id"] == depot_id)
    ].sort_values("year")
    table = pd.DataFrame(
        {
            "year": rows["year"].astype(int),
            "chargers_in_service": rows["new_chargers"].round(0).astype(int),
            "chargers_added": rows["new_chargers"]
            .diff()
            .fillna(rows["new_chargers"])
            .clip(lower=0)
            .round(0)
            .astype(int),
            "new_kw": rows["new_kw"].round(0),
            "kva_needed": rows["kva_needed"].round(0),
            "grid_headroom_kva": rows["grid_headroom_kva"].round(0),
            "grid_upgrade_ordered_kva": rows["grid_upgrade_ordered_kva"].round(0),
            "grid_upgrade_in_service_kva": rows["grid_upgrade_in_service_kva"].round(0),
        }
    )
    return table.reset_index(drop=True)


def _plan_section(result: PlanResult | None) -> None:
    st.subheader(t("Depot charging in the plan"))
    if result is None:
        st.info(t("No result yet: press “Solve scenario”."))
        return
    st.caption(
        t("Plan of scenario “{name}” (`{fp}`).", name=result.scenario_name, fp=result.fingerprint)
    )
    depots = result.chargers[result.chargers["charger_kind"] == "depot"]
    if depots.empty:
        st.info(t("This plan builds no depot chargers."))
        return
    names = depots.drop_duplicates("depot_id").set_index("depot_id")["name"].to_dict()
    depot_id = st.selectbox(
        t("Depot"),
        list(names),
        format_func=names.__getitem__,
        key=state.keep_choice("depot_pick", next(iter(names)), list(names)),
    )
    table = depot_table(result, depot_id)
    fig = go.Figure()
    fig.add_bar(
        x=table["year"], y=table["new_kw"], name=t("charging kW in service"), marker_color="#2ca02c"
    )
    fig.add_scatter(
        x=table["year"],
        y=table["kva_needed"],
        name=t("grid kVA needed"),
        mode="lines+markers",
        line={"color": "#1f77b4"},
    )
    fig.add_scatter(x=table["year"], y=table["grid_headroom_kva"] + table["grid_upgrade_in_service_kva"], name=t("grid capacity: headroom and upgrades in service (kVA)"),
                    mode="lines", line={"dash": "dot", "color": "#7f7f7f"})  # fmt: skip
    fig.update_layout(
        template=TEMPLATE,
        height=320,
        margin={"t": 30, "b": 10},
        xaxis={"title": t("year"), "tickformat": "d"},
    )
    chart(fig, "depot_plan_chart")
    st.dataframe(localised_columns(table), hide_index=True, key="depot_plan_table")


def _read_blocks(upload: object) -> pd.DataFrame:
    from fleetplan.optimiser.depot_sizing import read_blocks_csv

    name = str(getattr(upload, "name", "BLOCKS.csv"))
    # read_blocks_csv wants a path: write the upload to a private temporary file.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "BLOCKS.csv"
        path.write_bytes(upload.getvalue())  # type: ignore[attr-defined]
        try:
            return read_blocks_csv(path)
        except InputError as error:
            # Name the user's file, never the temporary copy it was read from.
            raise InputError(str(error).replace(str(path), name).replace(str(tmp), "")) from None


def _blocks_in_use(upload: Any) -> tuple[pd.DataFrame, str]:
    """The uploaded blocks when there is an upload, else the sample depot; with a caption saying which."""
    if upload is None:
        blocks = sample_blocks()
        return blocks, t("Sizing a sample depot of {n} buses, {split} of them on split duties (upload a BLOCKS.csv to size yours).",
                         n=blocks["bus"].nunique(), split=SAMPLE_SPLIT)  # fmt: skip
    if upload.size > MAX_BLOCKS_UPLOAD:
        raise InputError(
            t(
                "{file} is {size:.1f} MB; the limit is {limit:.0f} MB",
                file=upload.name,
                size=upload.size / 1e6,
                limit=MAX_BLOCKS_UPLOAD / 1e6,
            )
        )
    # Read once per content: the upload stays in its widget across every rerun.
    blocks = uploads.once_per_content(
        st.session_state, "upload_blocks_read", upload.getvalue(), lambda: _read_blocks(upload)
    )
    return blocks, t(
        "Sizing your file {file}: {n} buses.", file=upload.name, n=blocks["bus"].nunique()
    )


#: The pre-check's reasons (optimiser/depot_sizing/prechecks.py) by their opening words.
REASONS = [
    (
        "battery too small for one block",
        N_("a block of its split duty needs more than the battery holds"),
    ),
    ("battery too small", N_("its duty needs more than the battery holds")),
    (
        "depot stays too short",
        N_("its stays at the depot between blocks are too short to recharge"),
    ),
    ("night stay too short", N_("its night at the depot is too short to recharge")),
    ("depot stay too short", N_("its stay at the depot is too short to recharge")),
]


def reason_words(reason: str) -> str:
    """A pre-check reason in the session's language (as written when the catalogue has no match)."""
    for opening, words in REASONS:
        if str(reason).startswith(opening):
            return t(words)
    return str(reason)


def recommendation_words(text: str) -> str:
    """The pre-check's recommendation (fuel-cell bus, or terminus charging with its kWh) in words."""
    fuel = re.match(r"fuel-cell bus \(shortfall is (\S+) of the duty's energy\)", str(text))
    if fuel:
        return t(
            "a fuel-cell bus (the shortfall is {share} of the duty's energy)", share=fuel.group(1)
        )
    terminus = re.match(
        r"opportunity charging at a terminus \((\S+) kWh needed during the day\)", str(text)
    )
    if terminus:
        return t(
            "opportunity charging at a terminus ({kwh} kWh during the day)", kwh=terminus.group(1)
        )
    return str(text)


def headline(total: int, left_out: list[dict[str, Any]]) -> str:
    """For how many of the depot's buses the sizing holds, and why the rest are left out."""
    if not left_out:
        return t("The sizing holds for all {total} of the depot's buses.", total=total)
    counts: dict[str, int] = {}
    for bus in left_out:
        words = reason_words(bus.get("reason", ""))
        counts[words] = counts.get(words, 0) + 1
    why = t("; ").join(
        t("{n} because {reason}", n=n, reason=reason) for reason, n in counts.items()
    )
    return t("The sizing holds for {served} of the depot's {total} buses. {left} are left out, for depot charging alone cannot serve them: {why}.",
             served=total - len(left_out), total=total, left=len(left_out), why=why)  # fmt: skip


def _left_out_table(left_out: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {
            t("bus"): bus["bus"],
            t("blocks"): bus.get("blocks", 1),
            t("why"): reason_words(bus.get("reason", "")),
            t("km"): f"{float(bus.get('km', 0)):,.0f}",
            t("duty (kWh)"): f"{float(bus.get('duty_kwh', 0)):,.0f}",
            t("short by (kWh)"): f"{float(bus.get('shortfall_kwh', 0)):,.0f}",
            t("instead"): recommendation_words(bus.get("recommendation", "")),
        }
        for bus in left_out
    ]
    return pd.DataFrame(rows)


BANDS = {"peak": N_("peak"), "off_peak": N_("off-peak")}
CURVE_COLUMNS = {"step": N_("step"), "day": N_("day"), "time": N_("time"), "band": N_("tariff band"), "smart_kw": N_("smart charging (kW)"),
                 "uncontrolled_kw": N_("uncontrolled charging (kW)")}  # fmt: skip


def _curve_table(curve: pd.DataFrame) -> pd.DataFrame:
    view = curve.copy()
    if "band" in view.columns:
        view["band"] = [t(BANDS[b]) if b in BANDS else b for b in view["band"]]
    for column in ("smart_kw", "uncontrolled_kw"):
        if column in view.columns:
            view[column] = view[column].round(1)
    return view.rename(
        columns={c: t(name) for c, name in CURVE_COLUMNS.items() if c in view.columns}
    )


def _sizing_section() -> None:
    st.subheader(t("Depot sizing tool"))
    st.caption(
        t(
            "One row per block: `bus`, `pull_out`, `pull_in` (HH:MM), `km`. A bus on several rows runs a split duty: out for the morning and evening peaks, back at the depot in between, where it may charge."
        )
    )
    upload = st.file_uploader(
        t("Upload BLOCKS.csv (bus, pull_out, pull_in, km)"), type=["csv"], key="upload_blocks"
    )
    try:
        blocks, which = _blocks_in_use(upload)
    except InputError as error:
        st.error(t("Input problem: {message}", message=str(error)))
        return
    st.caption(which)
    c1, c2, c3, c4 = st.columns(4)
    # Kept across pages: what the operator typed is still there when they come back.
    usable = c1.number_input(
        t("usable battery (kWh)"),
        min_value=50.0,
        max_value=2000.0,
        step=10.0,
        key=state.keep("ds_usable", 400.0),
    )
    per_km = c2.number_input(
        t("energy use (kWh/km)"),
        min_value=0.3,
        max_value=5.0,
        step=0.05,
        key=state.keep("ds_kwh_km", 1.3),
    )
    powers_text = c3.text_input(
        t("charger power options (kW, comma separated)"), key=state.keep("ds_kw", "150")
    )
    headroom = c4.number_input(
        t("grid headroom today (kVA)"),
        min_value=0.0,
        step=100.0,
        key=state.keep("ds_headroom", 0.0),
    )
    c1, c2, _, _ = st.columns(4)
    # Design-day assumptions, shown because they drive the answer (defaults of DepotSizingInputs).
    min_soc = c1.number_input(t("lowest state of charge (share of usable kWh)"), min_value=0.0, max_value=0.9, step=0.05, format="%.2f",
                              key=state.keep("ds_min_soc", 0.1))  # fmt: skip
    summer = c2.number_input(t("summer factor (× energy use on the design day)"), min_value=1.0, max_value=2.0, step=0.05, format="%.2f",
                             key=state.keep("ds_summer", 1.15))  # fmt: skip
    fingerprint = hashlib.sha256(
        pd.util.hash_pandas_object(blocks, index=False).values.tobytes()
    ).hexdigest()
    key = (fingerprint, usable, per_km, powers_text, headroom, min_soc, summer)
    if st.button(t("Size the depot"), key="ds_run"):
        try:
            try:
                powers = tuple(
                    float(p) for p in powers_text.replace(";", ",").split(",") if p.strip()
                )
            except ValueError:
                raise InputError(
                    t("'{text}' is not a list of numbers", text=powers_text),
                    field=t("charger power options (kW, comma separated)"),
                ) from None
            from fleetplan.optimiser.depot_sizing import (
                DepotSizingInputs,
                depot_options,
                size_depot,
            )

            inputs = DepotSizingInputs(blocks=blocks, usable_kwh=usable, kwh_per_km=per_km, charger_kw=powers, grid_headroom_kva=headroom,
                                       min_soc=min_soc, summer_factor=summer)  # fmt: skip
            with st.spinner(t("HiGHS is solving…")):
                st.session_state["depot_sizing"] = (key, size_depot(inputs, depot_options(60)))
        except (InputError, InfeasibleError) as error:
            st.error(t("Input problem: {message}", message=str(error)))
            return
        except Exception as error:
            st.error(
                t(
                    "Something went wrong ({kind}): {message}. Try a simpler scenario or a longer time limit.",
                    kind=type(error).__name__,
                    message=str(error)[:300],
                )
            )
            return
    kept = st.session_state.get("depot_sizing")
    if kept is None:
        return
    if kept[0] != key:
        st.info(
            t(
                "The result below is for the inputs as they were when you pressed “Size the depot”; press it again for these."
            )
        )
    _sizing_result(kept[1], blocks)


def _sizing_result(result: Any, blocks: pd.DataFrame) -> None:
    total = int(blocks["bus"].nunique())
    (st.info if result.infeasible_buses else st.success)(headline(total, result.infeasible_buses))
    by_kw = ", ".join(f"{n} × {kw:g} kW" for kw, n in result.chargers_by_kw.items() if n)
    st.success(
        t(
            "{chargers} chargers ({by_kw}); peak {peak_kva:,.0f} kVA; grid upgrade {upgrade:,.0f} kVA; uncontrolled charging would peak at {unc_kw:,.0f} kW with {unc_chargers} chargers.",
            chargers=result.chargers,
            by_kw=by_kw or "–",
            peak_kva=result.peak_kva,
            upgrade=result.grid_upgrade_kva,
            unc_kw=result.uncontrolled_peak_kw,
            unc_chargers=result.uncontrolled_chargers,
        )
    )
    curve = result.load_curve
    x = (
        curve["time"]
        if "day" not in curve.columns or curve["day"].nunique() == 1
        else curve["day"].astype(str) + " " + curve["time"]
    )
    fig = go.Figure()
    fig.add_scatter(
        x=x, y=curve["uncontrolled_kw"], name=t("uncontrolled"), line={"color": "#d62728"}
    )
    fig.add_scatter(
        x=x, y=curve["smart_kw"], name=t("smart"), line={"color": "#2ca02c"}, fill="tozeroy"
    )
    fig.update_layout(
        template=TEMPLATE,
        height=340,
        margin={"t": 40, "b": 10},
        yaxis_title="kW",
        xaxis={"nticks": 13},
        title=t("Site load: smart vs uncontrolled charging"),
    )
    chart(fig, "ds_curve")
    with st.expander(t("Table")):
        st.dataframe(_curve_table(curve), hide_index=True)
    if result.infeasible_buses:
        st.markdown("**" + t("Duties depot charging cannot serve") + "**")
        st.dataframe(_left_out_table(result.infeasible_buses), hide_index=True)


def render() -> None:
    _plan_section(state.latest_result())
    st.divider()
    _sizing_section()
