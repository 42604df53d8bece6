"""For bus operators: each depot's chargers, kW and grid kVA by year, and the depot sizing tool."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fleetplan.errors import InfeasibleError, InputError
from fleetplan.optimiser.results import PlanResult
from fleetplan.views import state, uploads
from fleetplan.views.i18n import t

MAX_BLOCKS_UPLOAD = 5 * 1024 * 1024
SAMPLE_BUSES = 20


def sample_blocks(n: int = SAMPLE_BUSES) -> pd.DataFrame:
    """A made-up depot: staggered morning pull-outs, late-evening pull-ins, 140-240 km duties."""
    rows = []
    for i in range(n):
        out_minutes = 5 * 60 + (i * 17) % 150
        in_minutes = (22 * 60 + (i * 29) % 150) % 1440
        rows.append(
            {
                "bus": f"S{i + 1:02d}",
                "pull_out": f"{out_minutes // 60:02d}:{out_minutes % 60:02d}",
                "pull_in": f"{in_minutes // 60:02d}:{in_minutes % 60:02d}",
                "km": float(140 + (i * 37) % 100),
            }
        )
    return pd.DataFrame(rows)


def depot_table(result: PlanResult, depot_id: str) -> pd.DataFrame:
    """One row per year: chargers, kW, kVA needed, headroom, upgrade ordered and in service."""
    rows = result.chargers[(result.chargers["charger_kind"] == "depot") & (result.chargers["depot_id"] == depot_id)]
    columns = ["year", "new_chargers", "new_kw", "kva_needed", "grid_headroom_kva", "grid_upgrade_ordered_kva", "grid_upgrade_in_service_kva"]
    return rows[columns].sort_values("year").reset_index(drop=True)


def _plan_section(result: PlanResult | None) -> None:
    st.subheader(t("depot_plan"))
    if result is None:
        st.info(t("no_result"))
        return
    st.caption(t("plan_from", name=result.scenario_name, fp=result.fingerprint))
    depots = result.chargers[result.chargers["charger_kind"] == "depot"]
    if depots.empty:
        st.info(t("depot_none"))
        return
    names = depots.drop_duplicates("depot_id").set_index("depot_id")["name"].to_dict()
    depot_id = st.selectbox(t("depot_pick"), list(names), format_func=lambda d: f"{d} — {names[d]}", key="depot_pick")
    table = depot_table(result, depot_id)
    fig = go.Figure()
    fig.add_bar(x=table["year"], y=table["new_kw"], name=t("col_new_kw"))
    fig.add_scatter(x=table["year"], y=table["kva_needed"], name=t("kva_needed"), mode="lines+markers")
    fig.add_scatter(x=table["year"], y=table["grid_headroom_kva"] + table["grid_upgrade_in_service_kva"], name=t("grid_upgrade"), mode="lines", line={"dash": "dot"})
    fig.update_layout(height=320, margin={"t": 30, "b": 10}, xaxis_title=t("year"))
    st.plotly_chart(fig, key="depot_plan_chart")
    st.dataframe(table.rename(columns={c: t(f"col_{c}") for c in table.columns}), hide_index=True, key="depot_plan_table")


def _read_blocks(upload: object) -> pd.DataFrame:
    from fleetplan.optimiser.depot_sizing import read_blocks_csv

    # read_blocks_csv wants a path: write the upload to a private temporary file.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "BLOCKS.csv"
        path.write_bytes(upload.getvalue())  # type: ignore[attr-defined]
        return read_blocks_csv(path)


def _blocks_in_use(upload: Any) -> tuple[pd.DataFrame, str]:
    """The uploaded blocks when there is an upload, else the sample depot; with a caption saying which."""
    if upload is None:
        return sample_blocks(), t("blocks_using_sample", n=SAMPLE_BUSES)
    if upload.size > MAX_BLOCKS_UPLOAD:
        raise InputError(t("too_large", file=upload.name, size=upload.size / 1e6, limit=MAX_BLOCKS_UPLOAD / 1e6))
    # Read once per content: the upload stays in its widget across every rerun.
    blocks = uploads.once_per_content(st.session_state, "upload_blocks_read", upload.getvalue(), lambda: _read_blocks(upload))
    return blocks, t("blocks_using_upload", file=upload.name, n=len(blocks))


def _sizing_section() -> None:
    st.subheader(t("depot_sizing"))
    upload = st.file_uploader(t("blocks_upload"), type=["csv"], key="upload_blocks")
    try:
        blocks, which = _blocks_in_use(upload)
    except InputError as error:
        st.error(t("input_error", message=str(error)))
        return
    st.caption(which)
    c1, c2, c3, c4 = st.columns(4)
    usable = c1.number_input(t("usable_kwh"), min_value=50.0, max_value=2000.0, value=400.0, step=10.0, key="ds_usable")
    per_km = c2.number_input(t("kwh_per_km"), min_value=0.3, max_value=5.0, value=1.3, step=0.05, key="ds_kwh_km")
    powers_text = c3.text_input(t("charger_kw"), value="150", key="ds_kw")
    headroom = c4.number_input(t("headroom_kva"), min_value=0.0, value=0.0, step=100.0, key="ds_headroom")
    c1, c2, _, _ = st.columns(4)
    # Design-day assumptions, shown because they drive the answer (defaults of DepotSizingInputs).
    min_soc = c1.number_input(t("min_soc"), min_value=0.0, max_value=0.9, value=0.1, step=0.05, format="%.2f", key="ds_min_soc")
    summer = c2.number_input(t("summer_factor"), min_value=1.0, max_value=2.0, value=1.15, step=0.05, format="%.2f", key="ds_summer")
    if not st.button(t("size_depot"), key="ds_run"):
        return
    try:
        try:
            powers = tuple(float(p) for p in powers_text.replace(";", ",").split(",") if p.strip())
        except ValueError:
            raise InputError(t("not_numbers", text=powers_text), field=t("charger_kw")) from None
        from fleetplan.optimiser.depot_sizing import DepotSizingInputs, size_depot
        from fleetplan.optimiser.solver import SolverOptions

        inputs = DepotSizingInputs(blocks=blocks, usable_kwh=usable, kwh_per_km=per_km, charger_kw=powers, grid_headroom_kva=headroom,
                                   min_soc=min_soc, summer_factor=summer)
        with st.spinner(t("solving")):
            result = size_depot(inputs, SolverOptions(time_limit_s=60))
    except (InputError, InfeasibleError) as error:
        st.error(t("input_error", message=str(error)))
        return
    except Exception as error:
        st.error(t("unexpected_error", kind=type(error).__name__, message=str(error)[:300]))
        return
    by_kw = ", ".join(f"{n} × {kw:g} kW" for kw, n in result.chargers_by_kw.items() if n)
    st.success(
        t("sizing_answer", chargers=result.chargers, by_kw=by_kw or "–", peak_kva=result.peak_kva, upgrade=result.grid_upgrade_kva,
          unc_kw=result.uncontrolled_peak_kw, unc_chargers=result.uncontrolled_chargers)
    )
    curve = result.load_curve
    x = curve["time"] if "day" not in curve.columns or curve["day"].nunique() == 1 else curve["day"].astype(str) + " " + curve["time"]
    fig = go.Figure()
    fig.add_scatter(x=x, y=curve["uncontrolled_kw"], name=t("uncontrolled"), line={"color": "#d62728"})
    fig.add_scatter(x=x, y=curve["smart_kw"], name=t("smart"), line={"color": "#2ca02c"}, fill="tozeroy")
    fig.update_layout(height=340, margin={"t": 30, "b": 10}, yaxis_title="kW", title=t("load_curve"))
    st.plotly_chart(fig, key="ds_curve")
    with st.expander(t("table")):
        st.dataframe(curve, hide_index=True)
    if result.infeasible_buses:
        st.markdown(f"**{t('infeasible_buses')}**")
        st.dataframe(pd.DataFrame(result.infeasible_buses), hide_index=True)


def render() -> None:
    _plan_section(state.latest_result())
    st.divider()
    _sizing_section()
