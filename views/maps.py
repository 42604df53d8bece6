"""The plan on a map (pydeck, no base map: the app must work without tile servers).

Layers: road graph (width by bus trips/day), depots, candidate sites, chosen
chargers (size by kW), hydrogen stations (size by kg/day), truck corridors
(refuelled or not) and taxi zones (shaded by energy served), all for one year.
"""

from __future__ import annotations

import json
import math
from urllib.parse import quote

import networkx as nx
import pandas as pd
import pydeck as pdk
import streamlit as st

from network.loaders import Dataset
from optimiser.results import PlanResult
from views.i18n import t

GREY = [120, 120, 120, 140]
BLUE = [30, 90, 200, 220]
GREEN = [20, 160, 70, 220]
ORANGE = [240, 130, 20, 230]
PURPLE = [130, 60, 190, 200]
RED = [210, 40, 40, 200]

#: A MapLibre style with no sources (a plain background), inlined as a data: URL so the
#: browser fetches nothing; Streamlit takes only a string style and would otherwise
#: substitute a Carto base map from the internet.
BLANK_STYLE = "data:application/json;charset=utf-8," + quote(
    json.dumps(
        {
            "version": 8,
            "sources": {},
            "layers": [{"id": "background", "type": "background", "paint": {"background-color": "#f4f3ee"}}],
        }
    )
)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop geometry (not JSON) and keep plain columns for deck.gl."""
    return pd.DataFrame(frame.drop(columns=[c for c in ("geometry",) if c in frame.columns]))


def edge_frame(dataset: Dataset) -> pd.DataFrame:
    """Road-graph edges with end coordinates and a display width."""
    nodes = _plain(dataset.nodes).set_index("node_id")
    edges = dataset.edges.copy()
    edges = edges[edges["from_node"].isin(nodes.index) & edges["to_node"].isin(nodes.index)]
    trips = pd.to_numeric(edges.get("bus_trips_per_day", 0.0), errors="coerce").fillna(0.0)
    top = max(float(trips.max()) if len(trips) else 1.0, 1.0)
    return pd.DataFrame(
        {
            "source": list(zip(nodes.loc[edges["from_node"], "lon"], nodes.loc[edges["from_node"], "lat"], strict=True)),
            "target": list(zip(nodes.loc[edges["to_node"], "lon"], nodes.loc[edges["to_node"], "lat"], strict=True)),
            # sqrt keeps the busiest corridors readable without hiding quiet roads
            "line_px": [0.7 + 5.0 * math.sqrt(max(v, 0.0) / top) for v in trips],
            "tip": [
                f"{a} – {b}<br>{length / 1000:.1f} km · {tr:,.0f} bus trips/day"
                for a, b, length, tr in zip(edges["from_node"], edges["to_node"], edges["length_m"], trips, strict=True)
            ],
        }
    )


def charger_frame(result: PlanResult, year: int) -> pd.DataFrame:
    """Chargers in service in ``year`` with a radius by kW and tooltip text."""
    table = result.chargers
    if table.empty:
        return pd.DataFrame(columns=["lon", "lat", "radius", "tip"])
    rows = table[(table["year"] == year) & (table["new_chargers"] > 0)].copy()
    first = table[table["new_chargers"] > 0].groupby(["site_id", "charger_kind"])["year"].min()
    rows["opened"] = [first.get((s, k)) for s, k in zip(rows["site_id"], rows["charger_kind"], strict=True)]
    rows["radius"] = 120 + rows["new_kw"].clip(lower=0).pow(0.5) * 9
    rows["tip"] = [
        f"<b>{r.name}</b> ({r.charger_kind} charging)<br>{r.new_chargers:.0f} new chargers · {r.new_kw:,.0f} kW"
        f"<br>grid: needs {r.kva_needed:,.0f} kVA, headroom {r.grid_headroom_kva:,.0f} kVA, "
        f"upgrade in service {r.grid_upgrade_in_service_kva:,.0f} kVA<br>first chargers {r.opened}"
        for r in rows.itertuples(index=False)
    ]
    return rows[["lon", "lat", "radius", "tip", "charger_kind"]]


def station_frame(result: PlanResult, year: int) -> pd.DataFrame:
    """Hydrogen stations open in ``year``, radius by capacity."""
    table = result.stations
    if table.empty:
        return pd.DataFrame(columns=["lon", "lat", "radius", "tip"])
    rows = table[(table["year"] == year) & table["built"]].copy()
    first = table[table["opened"]].groupby("site_id")["year"].min()
    rows["radius"] = 150 + rows["capacity_kg_day"].clip(lower=0).pow(0.5) * 15
    rows["tip"] = [
        f"<b>{r.name}</b> (hydrogen station)<br>{r.capacity_kg_day:,.0f} kg/day capacity · "
        f"{r.demand_kg_day:,.0f} kg/day sold · {r.modules} modules<br>opened {first.get(r.site_id, '–')}"
        for r in rows.itertuples(index=False)
    ]
    return rows[["lon", "lat", "radius", "tip"]]


def _road_graph(dataset: Dataset) -> nx.Graph:
    graph = nx.Graph()
    for a, b, length in zip(dataset.edges["from_node"], dataset.edges["to_node"], dataset.edges["length_m"], strict=True):
        graph.add_edge(a, b, length_m=float(length))
    return graph


def _nearest_node(nodes: pd.DataFrame, lon: float, lat: float) -> str:
    # Equirectangular distance is plenty to pick the closest stop cluster inside one city.
    dx = (nodes["lon"] - lon) * math.cos(math.radians(lat))
    dy = nodes["lat"] - lat
    return str(nodes.index[int((dx * dx + dy * dy).to_numpy().argmin())])


def corridor_frame(dataset: Dataset, result: PlanResult | None, year: int) -> pd.DataFrame:
    """Truck flows drawn along the road graph's shortest path, coloured by refuelling."""
    places = _plain(dataset.truck_places).set_index("place_id")
    nodes = _plain(dataset.nodes).set_index("node_id")
    flows = dataset.truck_flows
    flows = flows[flows["origin"].isin(places.index) & flows["destination"].isin(places.index)]
    covered: dict[str, tuple[bool, float]] = {}
    if result is not None and not result.truck_coverage.empty:
        now = result.truck_coverage[result.truck_coverage["year"] == year]
        covered = {r.flow_id: (bool(r.refuelled), float(r.fcev_trucks)) for r in now.itertuples(index=False)}
    graph = _road_graph(dataset)
    top = max(float(flows["daily_round_trips"].max()) if not flows.empty else 1.0, 1.0)
    rows = []
    for flow in flows.itertuples(index=False):
        refuelled, fcev = covered.get(flow.flow_id, (False, 0.0))
        ends = [(float(places.at[p, "lon"]), float(places.at[p, "lat"])) for p in (flow.origin, flow.destination)]
        path = [list(ends[0]), list(ends[1])]
        try:
            route = nx.shortest_path(graph, _nearest_node(nodes, *ends[0]), _nearest_node(nodes, *ends[1]), weight="length_m")
            path = [list(ends[0]), *([float(nodes.at[n, "lon"]), float(nodes.at[n, "lat"])] for n in route), list(ends[1])]
        except (nx.NetworkXException, ValueError):
            pass  # not connected: a straight line still shows the flow
        rows.append(
            {
                "path": path,
                "color": PURPLE if refuelled else RED,
                "line_m": 40.0 + 260.0 * math.sqrt(max(float(flow.daily_round_trips), 0.0) / top),
                "tip": f"<b>{places.at[flow.origin, 'name']} → {places.at[flow.destination, 'name']}</b><br>"
                f"{flow.daily_round_trips:,.0f} round trips/day · {'refuelled' if refuelled else 'not refuelled'}"
                f" · {fcev:,.0f} fuel-cell trucks",
            }
        )
    return pd.DataFrame(rows, columns=["path", "color", "line_m", "tip"])


def zone_frame(dataset: Dataset, result: PlanResult | None, year: int) -> pd.DataFrame:
    """Taxi zones shaded by the fast-charging energy served in ``year``."""
    zones = _plain(dataset.taxi_zones)
    served = pd.Series(dtype=float)
    if result is not None and not result.taxi_charging.empty:
        now = result.taxi_charging[result.taxi_charging["year"] == year]
        served = now.groupby("zone_id")["kwh_per_day"].sum()
    top = max(float(served.max()) if not served.empty else 0.0, 1.0)
    kwh = [float(served.get(z, 0.0)) for z in zones["zone_id"]]
    zones["color"] = [[250, 200, 40, int(30 + 170 * v / top)] for v in kwh]
    zones["tip"] = [f"<b>{n}</b> (taxi zone, {c})<br>{v:,.0f} kWh/day fast charging served" for n, c, v in zip(zones["name"], zones["taxi_class"], kwh, strict=True)]
    return zones[["lon", "lat", "color", "tip"]]


def build_deck(dataset: Dataset, result: PlanResult | None, year: int) -> pdk.Deck:
    """All layers for ``year``; no base map so nothing is fetched from the internet."""
    nodes = _plain(dataset.nodes)
    depots = _plain(dataset.depots)
    depots["tip"] = [
        f"<b>{n}</b> (depot, {o})<br>{b} buses · grid headroom {h:,.0f} kVA"
        for n, o, b, h in zip(depots["name"], depots["operator"], depots["buses_allocated"], depots["grid_headroom_kva"], strict=True)
    ]
    sites = _plain(dataset.candidate_sites)
    sites["tip"] = [f"{n} (candidate {k})<br>grid headroom {h:,.0f} kVA" for n, k, h in zip(sites["name"], sites["kind"], sites["grid_headroom_kva"], strict=True)]
    layers = [
        pdk.Layer("ScatterplotLayer", data=zone_frame(dataset, result, year), id="taxi-zones", get_position="[lon, lat]", get_fill_color="color", get_radius=1200, pickable=True),
        pdk.Layer("LineLayer", data=edge_frame(dataset), id="roads", get_source_position="source", get_target_position="target", get_color=GREY, get_width="line_px", pickable=True),
        pdk.Layer("PathLayer", data=corridor_frame(dataset, result, year), id="truck-corridors", get_path="path", get_color="color", get_width="line_m", width_min_pixels=2, cap_rounded=True, joint_rounded=True, pickable=True),
        pdk.Layer("ScatterplotLayer", data=sites[["lon", "lat", "tip"]], id="candidate-sites", get_position="[lon, lat]", get_fill_color=[160, 160, 160, 160], get_radius=120, radius_min_pixels=2, pickable=True),
        pdk.Layer("ScatterplotLayer", data=depots[["lon", "lat", "tip"]], id="depots", get_position="[lon, lat]", get_fill_color=BLUE, get_radius=300, radius_min_pixels=4, pickable=True),
    ]
    if result is not None:
        layers.append(pdk.Layer("ScatterplotLayer", data=charger_frame(result, year), id="chargers", get_position="[lon, lat]", get_fill_color=GREEN, get_radius="radius", radius_min_pixels=4, pickable=True))
        layers.append(pdk.Layer("ScatterplotLayer", data=station_frame(result, year), id="hydrogen-stations", get_position="[lon, lat]", get_fill_color=ORANGE, get_radius="radius", radius_min_pixels=5, pickable=True))
    span = max(float(nodes["lon"].max() - nodes["lon"].min()), float(nodes["lat"].max() - nodes["lat"].min()) * 1.6, 0.01)
    # Fit the graph into ~800 px: at zoom z the world is 512·2^z px wide.
    zoom = min(max(math.log2(800 * 360 / (512 * span)), 8.0), 14.0)
    view = pdk.ViewState(
        longitude=float((nodes["lon"].max() + nodes["lon"].min()) / 2),
        latitude=float((nodes["lat"].max() + nodes["lat"].min()) / 2),
        zoom=zoom,
    )
    # (LineLayer widths are in pixels by default; pydeck would turn width_units="pixels"
    # into an expression, so it is left unset.)
    # No provider (no token) and the inline blank style: nothing is fetched from the internet.
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, map_style=BLANK_STYLE, tooltip={"html": "{tip}"})


#: Overlay colours: sites only scenario A builds, only B builds, and both build.
ONLY_A = [30, 90, 200, 220]
ONLY_B = [200, 40, 160, 220]
BOTH = [20, 160, 70, 220]


def overlay_frame(result_a: PlanResult, result_b: PlanResult, year: int, names: tuple[str, str]) -> pd.DataFrame:
    """Sites with chargers or hydrogen stations in ``year`` in either plan, coloured by which plan has them."""
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for which, result in (("a", result_a), ("b", result_b)):
        chargers = result.chargers
        if not chargers.empty:
            here = chargers[(chargers["year"] == year) & (chargers["new_chargers"] > 0)]
            for r in here.itertuples(index=False):
                entry = rows.setdefault((r.site_id, f"{r.charger_kind} charging"), {"name": r.name, "lon": r.lon, "lat": r.lat})
                entry[which] = f"{r.new_chargers:.0f} chargers, {r.new_kw:,.0f} kW"
                entry[f"{which}_size"] = float(r.new_kw)
        stations = result.stations
        if not stations.empty:
            here = stations[(stations["year"] == year) & stations["opened"]]
            for r in here.itertuples(index=False):
                entry = rows.setdefault((r.site_id, "hydrogen"), {"name": r.name, "lon": r.lon, "lat": r.lat})
                entry[which] = f"{r.capacity_kg_day:,.0f} kg/day"
                entry[f"{which}_size"] = float(r.capacity_kg_day) * 3.0  # ~3 kW of charging per kg/day, for sizing only
    records = []
    for (site, kind), entry in rows.items():
        in_a, in_b = "a" in entry, "b" in entry
        color = BOTH if in_a and in_b else ONLY_A if in_a else ONLY_B
        size = max(float(entry.get("a_size", 0.0)), float(entry.get("b_size", 0.0)))
        records.append(
            {
                "lon": entry["lon"],
                "lat": entry["lat"],
                "color": color,
                "radius": 150 + size**0.5 * 9,
                "tip": f"<b>{entry['name']}</b> ({kind})<br>{names[0]}: {entry.get('a', '—')}<br>{names[1]}: {entry.get('b', '—')}",
                "site_id": site,
            }
        )
    return pd.DataFrame(records, columns=["lon", "lat", "color", "radius", "tip", "site_id"])


def build_overlay_deck(dataset: Dataset, result_a: PlanResult, result_b: PlanResult, year: int, names: tuple[str, str]) -> pdk.Deck:
    """Scenario A against B on one map: the road graph plus every built site, coloured by plan."""
    deck = build_deck(dataset, None, year)
    layers = [layer for layer in deck.layers if layer.id in ("roads", "depots")]
    layers.append(
        pdk.Layer("ScatterplotLayer", data=overlay_frame(result_a, result_b, year, names), id="overlay-sites", get_position="[lon, lat]", get_fill_color="color", get_radius="radius", radius_min_pixels=4, pickable=True)
    )
    deck.layers = layers
    return deck


def plan_years(result: PlanResult | None, dataset_years: list[int]) -> list[int]:
    if result is not None and not result.fleet.empty:
        return sorted(int(y) for y in result.fleet["year"].unique())
    return dataset_years


def render_map(dataset: Dataset, result: PlanResult | None, years: list[int], *, key: str) -> None:
    """A year slider and the map for that year."""
    years = plan_years(result, years)
    year = st.select_slider(t("map_year"), options=years, value=years[min(len(years) - 1, 5)], key=f"{key}_year")
    st.pydeck_chart(build_deck(dataset, result, int(year)), key=f"{key}_deck", height=520)
    st.caption(t("map_legend"))
