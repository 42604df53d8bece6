"""The plan on a map (pydeck over a bundled offline base layer: the app fetches no tiles).

Layers, bottom to top: Hong Kong's coastline (``data/basemap/hk_outline.geojson``,
from Natural Earth), taxi zones (shaded by energy served), the road graph (width
by bus trips/day), truck corridors (refuelled or not; uncoloured before a
solve), candidate sites, chargers (size by kW), hydrogen stations open that year
(size by kg/day) and depots as rings on top, so a depot is never hidden under
its chargers. Every pickable layer carries the same two plain-text fields,
``title`` and ``detail``, which the tooltip template shows; no HTML is built
from data.
"""

from __future__ import annotations

import functools
import json
import math
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx
import pandas as pd
import pydeck as pdk
import streamlit as st

from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.results import PlanResult
from fleetplan.views.i18n import data_label, t

GREY = [120, 120, 120, 140]
BLUE = [30, 90, 200, 230]
GREEN = [20, 160, 70, 200]
ORANGE = [240, 130, 20, 220]
PURPLE = [130, 60, 190, 200]
RED = [210, 40, 40, 200]
UNSOLVED = [150, 150, 150, 110]
SITE_GREY = [160, 160, 160, 170]
ZONE_YELLOW = [250, 200, 40]
LAND = [238, 235, 226, 255]
NEIGHBOUR = [226, 223, 214, 255]
COAST = [150, 150, 140, 255]
WATER = "#dbe7ef"

BASEMAP = Path(__file__).resolve().parent.parent / "data" / "basemap" / "hk_outline.geojson"
#: One template for every layer: each row has a plain-text title and detail (newlines kept).
TOOLTIP = {"text": "{title}\n{detail}", "style": {"fontSize": "13px", "maxWidth": "360px"}}
#: Size the view is fitted to (the map is drawn 520 px high in the wide layout).
VIEW_PX = (900, 520)

#: A MapLibre style with no sources (a plain water-coloured background), inlined as a data:
#: URL so the browser fetches nothing; Streamlit takes only a string style and would
#: otherwise substitute a Carto base map from the internet.
BLANK_STYLE = "data:application/json;charset=utf-8," + quote(
    json.dumps(
        {
            "version": 8,
            "sources": {},
            "layers": [{"id": "background", "type": "background", "paint": {"background-color": WATER}}],
        }
    )
)


@functools.cache
def basemap() -> dict[str, Any]:
    """The bundled coastline as GeoJSON, each feature with its fill colour."""
    collection = json.loads(BASEMAP.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        feature["properties"]["fill"] = LAND if feature["properties"]["role"] == "hong_kong" else NEIGHBOUR
    return collection


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop geometry (not JSON) and keep plain columns for deck.gl."""
    return pd.DataFrame(frame.drop(columns=[c for c in ("geometry",) if c in frame.columns]))


def _n(value: float) -> str:
    """A whole number with thousands separators (what a map tooltip needs)."""
    return f"{value:,.0f}"


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
            "line_px": [0.5 + 4.0 * math.sqrt(max(v, 0.0) / top) for v in trips],
            "title": [f"{a} – {b}" for a, b in zip(edges["from_node"], edges["to_node"], strict=True)],
            "detail": [t("tip_road", km=length / 1000, trips=_n(tr)) for length, tr in zip(edges["length_m"], trips, strict=True)],
        }
    )


def charger_frame(result: PlanResult, year: int) -> pd.DataFrame:
    """Chargers in service in ``year`` with a radius by kW and tooltip text."""
    columns = ["lon", "lat", "radius", "title", "detail", "charger_kind"]
    table = result.chargers
    if table.empty:
        return pd.DataFrame(columns=columns)
    rows = table[(table["year"] == year) & (table["new_chargers"] > 0)].copy()
    first = table[table["new_chargers"] > 0].groupby(["site_id", "charger_kind"])["year"].min()
    rows["radius"] = 120 + rows["new_kw"].clip(lower=0).pow(0.5) * 9
    rows["title"] = [f"{r.name} ({t('tip_kind_' + str(r.charger_kind))})" for r in rows.itertuples(index=False)]
    rows["detail"] = [
        t("tip_charger", chargers=_n(r.new_chargers), kw=_n(r.new_kw), kva=_n(r.kva_needed), headroom=_n(r.grid_headroom_kva),
          upgrade=_n(r.grid_upgrade_in_service_kva), first=first.get((r.site_id, r.charger_kind), "–"))
        for r in rows.itertuples(index=False)
    ]
    return rows[columns]


def station_frame(result: PlanResult, year: int) -> pd.DataFrame:
    """Hydrogen stations operating in ``year`` (none before they open), radius by capacity."""
    columns = ["lon", "lat", "radius", "title", "detail"]
    table = result.stations
    if table.empty:
        return pd.DataFrame(columns=columns)
    rows = table[(table["year"] == year) & table["opened"].astype(bool)].copy()
    first = table[table["opened"].astype(bool)].groupby("site_id")["year"].min()
    rows["radius"] = 150 + rows["capacity_kg_day"].clip(lower=0).pow(0.5) * 15
    rows["title"] = [f"{r.name} ({t('tip_kind_hydrogen')})" for r in rows.itertuples(index=False)]
    rows["detail"] = [
        t("tip_station", capacity=_n(r.capacity_kg_day), sold=_n(r.demand_kg_day), modules=_n(r.modules), first=first.get(r.site_id, "–"))
        for r in rows.itertuples(index=False)
    ]
    return rows[columns]


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
    """Truck flows drawn along the road graph's shortest path; coloured by refuelling only after a solve."""
    places = _plain(dataset.truck_places).set_index("place_id")
    nodes = _plain(dataset.nodes).set_index("node_id")
    flows = dataset.truck_flows
    flows = flows[flows["origin"].isin(places.index) & flows["destination"].isin(places.index)]
    covered: dict[str, tuple[bool, float]] = {}
    solved = result is not None and not result.truck_coverage.empty
    if solved:
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
        trips = t("tip_corridor_trips", trips=_n(flow.daily_round_trips))
        if not solved:
            colour, detail = UNSOLVED, f"{trips}\n{t('tip_corridor_unsolved')}"
        else:
            state = t("tip_refuelled") if refuelled else t("tip_not_refuelled")
            colour, detail = (PURPLE if refuelled else RED), f"{trips} · {state}\n{t('tip_fcev_trucks', n=_n(fcev))}"
        rows.append(
            {
                "path": path,
                "color": colour,
                "line_m": 40.0 + 260.0 * math.sqrt(max(float(flow.daily_round_trips), 0.0) / top),
                "title": f"{places.at[flow.origin, 'name']} → {places.at[flow.destination, 'name']}",
                "detail": detail,
            }
        )
    return pd.DataFrame(rows, columns=["path", "color", "line_m", "title", "detail"])


def zone_frame(dataset: Dataset, result: PlanResult | None, year: int) -> pd.DataFrame:
    """Taxi zones shaded by the fast-charging energy served in ``year``."""
    zones = _plain(dataset.taxi_zones)
    served = pd.Series(dtype=float)
    if result is not None and not result.taxi_charging.empty:
        now = result.taxi_charging[result.taxi_charging["year"] == year]
        served = now.groupby("zone_id")["kwh_per_day"].sum()
    top = max(float(served.max()) if not served.empty else 0.0, 1.0)
    kwh = [float(served.get(z, 0.0)) for z in zones["zone_id"]]
    zones["color"] = [[*ZONE_YELLOW, int(30 + 150 * v / top)] for v in kwh]
    zones["title"] = [f"{n} ({t('tip_kind_taxi_zone')}, {c})" for n, c in zip(zones["name"], zones["taxi_class"], strict=True)]
    zones["detail"] = [t("tip_zone", kwh=_n(v)) if result is not None else t("tip_zone_unsolved") for v in kwh]
    return zones[["lon", "lat", "color", "title", "detail"]]


def depot_frame(dataset: Dataset) -> pd.DataFrame:
    depots = _plain(dataset.depots)
    depots["title"] = [f"{n} ({t('tip_kind_depot')}, {o})" for n, o in zip(depots["name"], depots["operator"], strict=True)]
    depots["detail"] = [
        t("tip_depot", buses=_n(b), headroom=_n(h)) for b, h in zip(depots["buses_allocated"], depots["grid_headroom_kva"], strict=True)
    ]
    return depots[["lon", "lat", "title", "detail"]]


def site_frame(dataset: Dataset) -> pd.DataFrame:
    sites = _plain(dataset.candidate_sites)
    sites["title"] = [f"{n} ({t('tip_kind_candidate')}: {data_label('site', str(k), str(k))})" for n, k in zip(sites["name"], sites["kind"], strict=True)]
    sites["detail"] = [t("tip_site", headroom=_n(h)) for h in sites["grid_headroom_kva"]]
    return sites[["lon", "lat", "title", "detail"]]


def fitted_view(frames: list[pd.DataFrame], size_px: tuple[int, int] = VIEW_PX) -> pdk.ViewState:
    """A view that shows every point of ``frames`` (lon/lat columns) with a margin.

    At zoom z the world is 512·2^z px wide; a degree of latitude spans 1/cos(lat)
    degrees of longitude on the Web Mercator map.
    """
    lons = pd.concat([f["lon"] for f in frames if not f.empty]).astype(float)
    lats = pd.concat([f["lat"] for f in frames if not f.empty]).astype(float)
    west, east, south, north = lons.min(), lons.max(), lats.min(), lats.max()
    middle = (south + north) / 2
    width, height = size_px
    margin = 0.85  # keep the outermost points off the edge
    zoom_x = math.log2(margin * width * 360 / (512 * max(east - west, 0.005)))
    zoom_y = math.log2(margin * height * 360 * math.cos(math.radians(middle)) / (512 * max(north - south, 0.005)))
    return pdk.ViewState(longitude=float((west + east) / 2), latitude=float(middle), zoom=float(min(max(min(zoom_x, zoom_y), 7.0), 15.0)))


def base_layer() -> pdk.Layer:
    """Hong Kong's coastline and the land around it (bundled; not pickable)."""
    return pdk.Layer(
        "GeoJsonLayer", data=basemap(), id="basemap", filled=True, stroked=True, get_fill_color="properties.fill",
        get_line_color=COAST, line_width_min_pixels=1, pickable=False,
    )


def build_deck(dataset: Dataset, result: PlanResult | None, year: int) -> pdk.Deck:
    """All layers for ``year`` over the bundled base layer; nothing is fetched from the internet."""
    nodes = _plain(dataset.nodes)
    depots = depot_frame(dataset)
    sites = site_frame(dataset)
    layers = [
        base_layer(),
        pdk.Layer("ScatterplotLayer", data=zone_frame(dataset, result, year), id="taxi-zones", get_position="[lon, lat]", get_fill_color="color", get_radius=1200, pickable=True),
        pdk.Layer("LineLayer", data=edge_frame(dataset), id="roads", get_source_position="source", get_target_position="target", get_color=GREY, get_width="line_px", pickable=True),
        pdk.Layer("PathLayer", data=corridor_frame(dataset, result, year), id="truck-corridors", get_path="path", get_color="color", get_width="line_m", width_min_pixels=2, cap_rounded=True, joint_rounded=True, pickable=True),
        pdk.Layer("ScatterplotLayer", data=sites, id="candidate-sites", get_position="[lon, lat]", get_fill_color=SITE_GREY, get_radius=100, radius_min_pixels=2, pickable=True),
    ]
    if result is not None:
        layers.append(pdk.Layer("ScatterplotLayer", data=charger_frame(result, year), id="chargers", get_position="[lon, lat]", get_fill_color=GREEN, get_radius="radius", radius_min_pixels=4, pickable=True))
        layers.append(pdk.Layer("ScatterplotLayer", data=station_frame(result, year), id="hydrogen-stations", get_position="[lon, lat]", get_fill_color=ORANGE, get_radius="radius", radius_min_pixels=5, pickable=True))
    # Depots last, as rings: always visible on top of the chargers built there.
    layers.append(
        pdk.Layer("ScatterplotLayer", data=depots, id="depots", get_position="[lon, lat]", filled=False, stroked=True, get_line_color=BLUE,
                  get_radius=260, radius_min_pixels=6, line_width_min_pixels=2.5, pickable=True)
    )
    view = fitted_view([nodes, depots, sites])
    # (LineLayer widths are in pixels by default; pydeck would turn width_units="pixels"
    # into an expression, so it is left unset.)
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, map_style=BLANK_STYLE, tooltip=TOOLTIP)


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
                entry = rows.setdefault((r.site_id, f"tip_kind_{r.charger_kind}"), {"name": r.name, "lon": r.lon, "lat": r.lat})
                entry[which] = t("tip_overlay_chargers", chargers=_n(r.new_chargers), kw=_n(r.new_kw))
                entry[f"{which}_size"] = float(r.new_kw)
        stations = result.stations
        if not stations.empty:
            here = stations[(stations["year"] == year) & stations["opened"].astype(bool)]
            for r in here.itertuples(index=False):
                entry = rows.setdefault((r.site_id, "tip_kind_hydrogen"), {"name": r.name, "lon": r.lon, "lat": r.lat})
                entry[which] = t("tip_overlay_station", capacity=_n(r.capacity_kg_day))
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
                "title": f"{entry['name']} ({t(kind)})",
                "detail": f"{names[0]}: {entry.get('a', '—')}\n{names[1]}: {entry.get('b', '—')}",
                "site_id": site,
            }
        )
    return pd.DataFrame(records, columns=["lon", "lat", "color", "radius", "title", "detail", "site_id"])


def build_overlay_deck(dataset: Dataset, result_a: PlanResult, result_b: PlanResult, year: int, names: tuple[str, str]) -> pdk.Deck:
    """Scenario A against B on one map: the road graph plus every built site, coloured by plan."""
    deck = build_deck(dataset, None, year)
    layers = [layer for layer in deck.layers if layer.id in ("basemap", "roads")]
    layers.append(
        pdk.Layer("ScatterplotLayer", data=overlay_frame(result_a, result_b, year, names), id="overlay-sites", get_position="[lon, lat]", get_fill_color="color", get_radius="radius", radius_min_pixels=4, pickable=True)
    )
    layers.extend(layer for layer in deck.layers if layer.id == "depots")
    deck.layers = layers
    return deck


def plan_years(result: PlanResult | None, dataset_years: list[int]) -> list[int]:
    if result is not None and not result.fleet.empty:
        return sorted(int(y) for y in result.fleet["year"].unique())
    return dataset_years


def _swatch(colour: list[int], label: str, *, ring: bool = False, line: bool = False) -> str:
    rgba = f"rgba({colour[0]},{colour[1]},{colour[2]},{(colour[3] if len(colour) > 3 else 255) / 255:.2f})"
    if line:
        shape = f"display:inline-block;width:18px;height:4px;background:{rgba};vertical-align:middle"
    elif ring:
        shape = f"display:inline-block;width:10px;height:10px;border:2.5px solid {rgba};border-radius:50%;vertical-align:middle"
    else:
        shape = f"display:inline-block;width:12px;height:12px;background:{rgba};border-radius:50%;vertical-align:middle"
    # Labels come from the catalogue; escaped anyway, since this is inserted as HTML.
    return f"<span style='margin-right:14px;white-space:nowrap'><span style='{shape}'></span> {escape(label)}</span>"


def legend_html(solved: bool) -> str:
    """The map's legend as a line of swatches (what is drawn depends on whether there is a plan)."""
    items = [
        _swatch(BLUE, t("legend_depot"), ring=True),
        _swatch(SITE_GREY, t("legend_site")),
        _swatch(GREY, t("legend_road"), line=True),
        _swatch([*ZONE_YELLOW, 160], t("legend_zone")),
    ]
    if solved:
        items += [
            _swatch(GREEN, t("legend_charger")),
            _swatch(ORANGE, t("legend_station")),
            _swatch(PURPLE, t("legend_refuelled"), line=True),
            _swatch(RED, t("legend_not_refuelled"), line=True),
        ]
    else:
        items.append(_swatch(UNSOLVED, t("legend_corridor_unsolved"), line=True))
    return "<div style='font-size:0.85rem;line-height:1.9'>" + "".join(items) + "</div>"


def render_map(dataset: Dataset, result: PlanResult | None, years: list[int], *, key: str) -> None:
    """A year slider, the map for that year and its legend."""
    years = plan_years(result, years)
    year = st.select_slider(t("map_year"), options=years, value=years[min(len(years) - 1, 5)], key=f"{key}_year")
    st.pydeck_chart(build_deck(dataset, result, int(year)), key=f"{key}_deck", height=VIEW_PX[1])
    st.markdown(legend_html(result is not None), unsafe_allow_html=True)
    st.caption(t("map_attribution"))
