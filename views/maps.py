"""The plan on a map (pydeck over a bundled offline base layer: the app fetches no tiles).

Layers, bottom to top: Hong Kong's coastline (``data/basemap/hk_outline.geojson``,
from Natural Earth; drawn only when the city's bounds overlap it), taxi zones (shaded by energy served), the road graph (hidden
unless asked for, and faint then: its links are straight lines between stop
clusters, not roads), truck corridors (refuelled or not; uncoloured before a
solve), candidate sites, chargers (size by kW), hydrogen stations open that year
(size by kg/day), depots as rings, so a depot is never hidden under its chargers,
and place labels (the districts the dataset's zones name) on top. Every pickable layer carries the same two plain-text fields,
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

from fleetplan.network import road_distances
from fleetplan.network.loaders import Dataset
from fleetplan.optimiser.results import PlanResult
from fleetplan.views import names as nm
from fleetplan.views import state
from fleetplan.views.i18n import N_, t

GREY = [120, 120, 120, 140]
ROAD_FAINT = [120, 120, 120, 60]
LABEL = [60, 60, 60, 255]
LABEL_HALO = [255, 255, 255, 200]
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
            "layers": [
                {"id": "background", "type": "background", "paint": {"background-color": WATER}}
            ],
        }
    )
)


@functools.cache
def basemap() -> dict[str, Any]:
    """The bundled coastline as GeoJSON, each feature with its fill colour."""
    collection = json.loads(BASEMAP.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        feature["properties"]["fill"] = (
            LAND if feature["properties"]["role"] == "hong_kong" else NEIGHBOUR
        )
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
            "source": list(
                zip(
                    nodes.loc[edges["from_node"], "lon"],
                    nodes.loc[edges["from_node"], "lat"],
                    strict=True,
                )
            ),
            "target": list(
                zip(
                    nodes.loc[edges["to_node"], "lon"],
                    nodes.loc[edges["to_node"], "lat"],
                    strict=True,
                )
            ),
            # sqrt keeps the busiest corridors readable without hiding quiet roads
            "line_px": [0.5 + 2.5 * math.sqrt(max(v, 0.0) / top) for v in trips],
            "title": t("road graph link"),
            "detail": [
                t("{km:.1f} km · {trips} bus trips/day", km=length / 1000, trips=_n(tr))
                for length, tr in zip(edges["length_m"], trips, strict=True)
            ],
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
    rows["title"] = [
        f"{r.name} ({nm.charger_kind(r.charger_kind)})" for r in rows.itertuples(index=False)
    ]
    rows["detail"] = [
        t(
            "{chargers} chargers · {kw} kW\ngrid: needs {kva} kVA, headroom {headroom} kVA, upgrade in service {upgrade} kVA\nfirst chargers {first}",
            chargers=_n(r.new_chargers),
            kw=_n(r.new_kw),
            kva=_n(r.kva_needed),
            headroom=_n(r.grid_headroom_kva),
            upgrade=_n(r.grid_upgrade_in_service_kva),
            first=first.get((r.site_id, r.charger_kind), "–"),
        )
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
    rows["title"] = [
        f"{r.name} (" + t("hydrogen station") + ")" for r in rows.itertuples(index=False)
    ]
    rows["detail"] = [
        t(
            "{capacity} kg/day capacity · {sold} kg/day sold · {modules} modules\nopened {first}",
            capacity=_n(r.capacity_kg_day),
            sold=_n(r.demand_kg_day),
            modules=_n(r.modules),
            first=first.get(r.site_id, "–"),
        )
        for r in rows.itertuples(index=False)
    ]
    return rows[columns]


def _road_graph(dataset: Dataset) -> nx.Graph:
    graph = nx.Graph()
    for a, b, length in zip(
        dataset.edges["from_node"], dataset.edges["to_node"], dataset.edges["length_m"], strict=True
    ):
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
    coverage = pd.DataFrame() if result is None else result.truck_coverage
    solved = not coverage.empty
    if solved:
        now = coverage[coverage["year"] == year]
        covered = {
            r.flow_id: (bool(r.refuelled), float(r.fcev_trucks))
            for r in now.itertuples(index=False)
        }
    graph = _road_graph(dataset)
    top = max(float(flows["daily_round_trips"].max()) if not flows.empty else 1.0, 1.0)
    rows = []
    for flow in flows.itertuples(index=False):
        refuelled, fcev = covered.get(flow.flow_id, (False, 0.0))
        ends = [
            (float(places.at[p, "lon"]), float(places.at[p, "lat"]))
            for p in (flow.origin, flow.destination)
        ]
        path = [list(ends[0]), list(ends[1])]
        try:
            route = nx.shortest_path(
                graph,
                _nearest_node(nodes, *ends[0]),
                _nearest_node(nodes, *ends[1]),
                weight="length_m",
            )
            path = [
                list(ends[0]),
                *([float(nodes.at[n, "lon"]), float(nodes.at[n, "lat"])] for n in route),
                list(ends[1]),
            ]
        except (nx.NetworkXException, ValueError):
            pass  # not connected: a straight line still shows the flow
        trips = t("{trips} round trips/day", trips=_n(flow.daily_round_trips))
        if not solved:
            colour, detail = UNSOLVED, f"{trips}\n" + t("solve the scenario to see refuelling")
        else:
            state = t("refuelled") if refuelled else t("not refuelled")
            colour, detail = (
                (PURPLE if refuelled else RED),
                f"{trips} · {state}\n" + t("{n} fuel-cell trucks", n=_n(fcev)),
            )
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
    zones["title"] = [
        f"{t(n)} ("
        + t("taxi zone")
        + f", {(nm.TAXI_CLASSES.get(c) and t(nm.TAXI_CLASSES[c])) or c})"
        for n, c in zip(zones["name"], zones["taxi_class"], strict=True)
    ]
    zones["detail"] = [
        t("{kwh} kWh/day fast charging served", kwh=_n(v))
        if result is not None
        else t("solve the scenario to see charging served")
        for v in kwh
    ]
    return zones[["lon", "lat", "color", "title", "detail"]]


def depot_frame(dataset: Dataset) -> pd.DataFrame:
    depots = _plain(dataset.depots)
    depots["title"] = [
        f"{n} (" + t("bus depot") + f", {nm.operator(o)})"
        for n, o in zip(depots["name"], depots["operator"], strict=True)
    ]
    depots["detail"] = [
        t("{buses} buses · grid headroom {headroom} kVA", buses=_n(b), headroom=_n(h))
        for b, h in zip(depots["buses_allocated"], depots["grid_headroom_kva"], strict=True)
    ]
    return depots[["lon", "lat", "title", "detail"]]


def site_frame(dataset: Dataset) -> pd.DataFrame:
    sites = _plain(dataset.candidate_sites)
    sites["title"] = [
        f"{n} (" + t("candidate site") + f": {nm.site_kind(k)})"
        for n, k in zip(sites["name"], sites["kind"], strict=True)
    ]
    sites["detail"] = [
        t("grid headroom {headroom} kVA", headroom=_n(h)) for h in sites["grid_headroom_kva"]
    ]
    return sites[["lon", "lat", "title", "detail"]]


def place_frame(dataset: Dataset) -> pd.DataFrame:
    """Place labels: the districts the dataset's zones are named after ("Wan Chai", "Eastern (North Point)" -> "Eastern"),
    one label per district at the mean of its zones, in the session's language."""
    zones = _plain(dataset.taxi_zones) if dataset.taxi_zones is not None else pd.DataFrame()
    if zones.empty:
        return pd.DataFrame(columns=["lon", "lat", "text"])
    classes = dataset.taxi_classes
    if classes is not None and not classes.empty and "vehicle_class" in classes.columns:
        # The zones of the class with the most of them (taxis: districts), not every class's
        # own stands (minibus termini), which would crowd the labels.
        zones = zones.assign(
            vclass=zones["taxi_class"].map(classes.set_index("taxi_class")["vehicle_class"])
        )
        zones = (
            zones[zones["vclass"] == zones["vclass"].value_counts().idxmax()]
            if zones["vclass"].notna().any()
            else zones
        )
    district = zones["name"].astype(str).str.replace(r"\s*\(.*\)\s*$", "", regex=True).str.strip()
    grouped = zones.assign(district=district).groupby("district", sort=False)
    places = (
        grouped[["lon", "lat"]]
        .mean()
        .assign(zones=grouped.size())
        .sort_values("zones", ascending=False, kind="stable")
    )
    kept: list[tuple[str, float, float]] = []
    for name, row in places.iterrows():
        # one label per neighbourhood: a place within ~2 km of a label already placed is left out
        if all(
            math.hypot((row.lon - lon) * math.cos(math.radians(lat)), row.lat - lat) > 0.022
            for _, lon, lat in kept
        ):
            kept.append((str(name), float(row.lon), float(row.lat)))
    return pd.DataFrame(
        [{"lon": lon, "lat": lat, "text": t(name)} for name, lon, lat in kept],
        columns=["lon", "lat", "text"],
    )


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
    zoom_y = math.log2(
        margin * height * 360 * math.cos(math.radians(middle)) / (512 * max(north - south, 0.005))
    )
    return pdk.ViewState(
        longitude=float((west + east) / 2),
        latitude=float(middle),
        zoom=float(min(max(min(zoom_x, zoom_y), 7.0), 15.0)),
    )


def place_layer(dataset: Dataset) -> pdk.Layer:
    """District names on top of everything (not pickable: they are not part of the plan)."""
    return pdk.Layer(
        "TextLayer",
        data=place_frame(dataset),
        id="places",
        get_position="[lon, lat]",
        get_text="text",
        get_size=13,
        get_color=LABEL,
        background=True,
        get_background_color=LABEL_HALO,
        background_padding=[3, 1],
        # pydeck reads an unquoted string as an expression: constants are quoted. "auto" builds the
        # glyph atlas from the labels themselves, so Chinese place names draw too.
        character_set='"auto"',
        font_family='"Noto Sans CJK TC, WenQuanYi Zen Hei, PingFang TC, Microsoft JhengHei, sans-serif"',
        get_text_anchor='"middle"',
        get_alignment_baseline='"bottom"',
        get_pixel_offset=[0, -8],
        pickable=False,
    )


@functools.cache
def _basemap_extent() -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) of the bundled coastline, read once."""
    from shapely.geometry import shape

    boxes = [shape(feature["geometry"]).bounds for feature in basemap()["features"]]
    return (
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    )


def basemap_covers(bounds: tuple[float, float, float, float]) -> bool:
    """Whether the bundled coastline overlaps a city's WGS84 ``bounds`` (lon_min, lat_min, lon_max, lat_max).

    The bundle is Hong Kong's: another city's map is drawn without it rather than over a
    coastline thousands of kilometres away.
    """
    lon_min, lat_min, lon_max, lat_max = bounds
    base_lon_min, base_lat_min, base_lon_max, base_lat_max = _basemap_extent()
    return (
        base_lon_min <= lon_max
        and lon_min <= base_lon_max
        and base_lat_min <= lat_max
        and lat_min <= base_lat_max
    )


def base_layer() -> pdk.Layer:
    """Hong Kong's coastline and the land around it (bundled; not pickable)."""
    return pdk.Layer(
        "GeoJsonLayer",
        data=basemap(),
        id="basemap",
        filled=True,
        stroked=True,
        get_fill_color="properties.fill",
        get_line_color=COAST,
        line_width_min_pixels=1,
        pickable=False,
    )


def build_deck(
    dataset: Dataset,
    result: PlanResult | None,
    year: int,
    *,
    roads: bool = False,
    labels: bool = True,
) -> pdk.Deck:
    """All layers for ``year`` over the bundled base layer; nothing is fetched from the internet.

    ``roads`` draws the road graph (faintly: its links are straight lines between stop
    clusters, so they cross hills and water); ``labels`` names the districts."""
    nodes = _plain(dataset.nodes)
    depots = depot_frame(dataset)
    sites = site_frame(dataset)
    layers = [base_layer()] if basemap_covers(dataset.city.bounds) else []
    layers += [
        pdk.Layer(
            "ScatterplotLayer",
            data=zone_frame(dataset, result, year),
            id="taxi-zones",
            get_position="[lon, lat]",
            get_fill_color="color",
            get_radius=1200,
            pickable=True,
        ),
        *(
            [
                pdk.Layer(
                    "LineLayer",
                    data=edge_frame(dataset),
                    id="roads",
                    get_source_position="source",
                    get_target_position="target",
                    get_color=ROAD_FAINT,
                    get_width="line_px",
                    pickable=True,
                )
            ]
            if roads
            else []
        ),
        pdk.Layer(
            "PathLayer",
            data=corridor_frame(dataset, result, year),
            id="truck-corridors",
            get_path="path",
            get_color="color",
            get_width="line_m",
            width_min_pixels=2,
            cap_rounded=True,
            joint_rounded=True,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            data=sites,
            id="candidate-sites",
            get_position="[lon, lat]",
            get_fill_color=SITE_GREY,
            get_radius=100,
            radius_min_pixels=2,
            pickable=True,
        ),
    ]
    if result is not None:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=charger_frame(result, year),
                id="chargers",
                get_position="[lon, lat]",
                get_fill_color=GREEN,
                get_radius="radius",
                radius_min_pixels=4,
                pickable=True,
            )
        )
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=station_frame(result, year),
                id="hydrogen-stations",
                get_position="[lon, lat]",
                get_fill_color=ORANGE,
                get_radius="radius",
                radius_min_pixels=5,
                pickable=True,
            )
        )
    # Depots last, as rings: always visible on top of the chargers built there.
    layers.append(
        pdk.Layer(
            "ScatterplotLayer",
            data=depots,
            id="depots",
            get_position="[lon, lat]",
            filled=False,
            stroked=True,
            get_line_color=BLUE,
            get_radius=260,
            radius_min_pixels=6,
            line_width_min_pixels=2.5,
            pickable=True,
        )
    )
    if labels:
        layers.append(place_layer(dataset))
    view = fitted_view([nodes, depots, sites])
    # (LineLayer widths are in pixels by default; pydeck would turn width_units="pixels"
    # into an expression, so it is left unset.)
    return pdk.Deck(
        layers=layers,
        initial_view_state=view,
        map_provider=None,
        map_style=BLANK_STYLE,
        tooltip=TOOLTIP,
    )


#: Overlay colours: sites only scenario A builds, only B builds, and both build.
ONLY_A = [30, 90, 200, 220]
ONLY_B = [200, 40, 160, 220]
BOTH = [20, 160, 70, 220]


def overlay_frame(
    result_a: PlanResult, result_b: PlanResult, year: int, names: tuple[str, str]
) -> pd.DataFrame:
    """Sites with chargers or hydrogen stations in ``year`` in either plan, coloured by which plan has them."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for which, result in (("a", result_a), ("b", result_b)):
        chargers = result.chargers
        if not chargers.empty:
            here = chargers[(chargers["year"] == year) & (chargers["new_chargers"] > 0)]
            for r in here.itertuples(index=False):
                entry = rows.setdefault(
                    (r.site_id, nm.CHARGER_KINDS.get(str(r.charger_kind), str(r.charger_kind))),
                    {"name": r.name, "lon": r.lon, "lat": r.lat},
                )
                entry[which] = t(
                    "{chargers} chargers, {kw} kW", chargers=_n(r.new_chargers), kw=_n(r.new_kw)
                )
                entry[f"{which}_size"] = float(r.new_kw)
        stations = result.stations
        if not stations.empty:
            here = stations[(stations["year"] == year) & stations["opened"].astype(bool)]
            for r in here.itertuples(index=False):
                entry = rows.setdefault(
                    (r.site_id, nm.SITE_KINDS["hydrogen_station"]),
                    {"name": r.name, "lon": r.lon, "lat": r.lat},
                )
                entry[which] = t("{capacity} kg/day", capacity=_n(r.capacity_kg_day))
                entry[f"{which}_size"] = (
                    float(r.capacity_kg_day) * 3.0
                )  # ~3 kW of charging per kg/day, for sizing only
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
    return pd.DataFrame(
        records, columns=["lon", "lat", "color", "radius", "title", "detail", "site_id"]
    )


def build_overlay_deck(
    dataset: Dataset, result_a: PlanResult, result_b: PlanResult, year: int, names: tuple[str, str]
) -> pdk.Deck:
    """Scenario A against B on one map: the road graph plus every built site, coloured by plan."""
    deck = build_deck(dataset, None, year)
    layers = [layer for layer in deck.layers if layer.id == "basemap"]
    layers.append(
        pdk.Layer(
            "ScatterplotLayer",
            data=overlay_frame(result_a, result_b, year, names),
            id="overlay-sites",
            get_position="[lon, lat]",
            get_fill_color="color",
            get_radius="radius",
            radius_min_pixels=4,
            pickable=True,
        )
    )
    layers.extend(layer for layer in deck.layers if layer.id in ("depots", "places"))
    deck.layers = layers
    return deck


def plan_years(result: PlanResult | None, dataset_years: list[int]) -> list[int]:
    if result is not None and not result.fleet.empty:
        return sorted(int(y) for y in result.fleet["year"].unique())
    return dataset_years


def _swatch(colour: list[int], label: str, *, ring: bool = False, line: bool = False) -> str:
    rgba = f"rgba({colour[0]},{colour[1]},{colour[2]},{(colour[3] if len(colour) > 3 else 255) / 255:.2f})"
    if line:
        shape = (
            f"display:inline-block;width:18px;height:4px;background:{rgba};vertical-align:middle"
        )
    elif ring:
        shape = f"display:inline-block;width:10px;height:10px;border:2.5px solid {rgba};border-radius:50%;vertical-align:middle"
    else:
        shape = f"display:inline-block;width:12px;height:12px;background:{rgba};border-radius:50%;vertical-align:middle"
    # Labels come from the catalogue; escaped anyway, since this is inserted as HTML.
    return f"<span style='margin-right:14px;white-space:nowrap'><span style='{shape}'></span> {escape(label)}</span>"


def legend_html(solved: bool, roads: bool = False) -> str:
    """The map's legend as a line of swatches with units (what is drawn depends on whether there is a plan)."""
    items = [
        _swatch(BLUE, t("bus depot"), ring=True),
        _swatch(SITE_GREY, t("candidate site")),
        _swatch([*ZONE_YELLOW, 160], t("taxi zone (shade = kWh/day of fast charging served)")),
    ]
    if roads:
        items.append(
            _swatch(
                GREY,
                t("road graph (straight links between stop clusters; width = bus trips/day)"),
                line=True,
            )
        )
    if solved:
        items += [
            _swatch(GREEN, t("chargers in service (circle area ∝ kW)")),
            _swatch(ORANGE, t("hydrogen station open (circle area ∝ kg/day)")),
            _swatch(PURPLE, t("truck corridor refuelled (width ∝ round trips/day)"), line=True),
            _swatch(RED, t("truck corridor not refuelled (width ∝ round trips/day)"), line=True),
        ]
    else:
        items.append(
            _swatch(
                UNSOLVED,
                t("truck corridor (width ∝ round trips/day; solve to see refuelling)"),
                line=True,
            )
        )
    return "<div style='font-size:0.85rem;line-height:1.9'>" + "".join(items) + "</div>"


#: What a graph's distances rest on (``basis`` of road_distances.csv), as the map's caption says it.
BASIS_TEXT = {
    road_distances.CALIBRATED: N_(
        "calibrated estimate (straight line × a road circuity calibrated on the area's roads)"
    ),
    road_distances.ROAD_EXTRACT: N_(
        "road extract (shortest road lengths on an OpenStreetMap extract)"
    ),
}
GRAPH_TEXT = {"coarse": N_("coarse graph"), "fine": N_("fine graph")}


def distance_caption(folder: Path | str | None) -> str:
    """The basis of the dataset's road distances and the error measured, one sentence per graph ("" if unrecorded)."""
    table = (
        road_distances.read_road_distances(folder)
        if folder is not None and Path(folder).is_dir()
        else None
    )
    if table is None:
        return ""
    parts = []
    for _, row in table.iterrows():
        graph, basis = t(GRAPH_TEXT[row["graph"]]), t(BASIS_TEXT[row["basis"]])
        if pd.notna(row["within_15pct"]):
            parts.append(t(
                "Road distances, {graph}: {basis}; measured against a road network, {share} of {pairs} node pairs are within ±15 % of the road distance (single edges: 10th percentile {edge_p10} of the road length).",
                graph=graph, basis=basis, share=f"{row['within_15pct']:.0%}", pairs=f"{int(row['pairs']):,}", edge_p10=f"{row['edge_p10_ratio']:.2f}",
            ))  # fmt: skip
        else:
            parts.append(
                t("Road distances, {graph}: {basis}; error not measured.", graph=graph, basis=basis)
            )
    return " ".join(parts)


def render_map(dataset: Dataset, result: PlanResult | None, years: list[int], *, key: str) -> None:
    """A year slider and layer switches, the map for that year and its legend."""
    years = plan_years(result, years)
    left, middle, right = st.columns([3, 1, 1])
    with left:
        year = st.select_slider(
            t("Year on the map"),
            options=years,
            key=state.keep_choice(f"{key}_year", years[min(len(years) - 1, 5)], years),
        )
    with middle:
        # The graph's links are straight lines between stop clusters: off unless asked for.
        roads = st.checkbox(
            t("Show the road graph"),
            key=state.keep(f"{key}_roads", False),
            help=t(
                "The bus network as the model sees it: straight links between stop clusters, not the roads themselves."
            ),
        )
    with right:
        labels = st.checkbox(t("Place names"), key=state.keep(f"{key}_labels", True))
    st.pydeck_chart(
        build_deck(dataset, result, int(year), roads=roads, labels=labels),
        key=f"{key}_deck",
        height=VIEW_PX[1],
    )
    st.markdown(legend_html(result is not None, roads), unsafe_allow_html=True)
    st.caption(
        t(
            "Coastline: Natural Earth (public domain), 1:10m, via world-atlas. Place names: the districts the dataset's taxi zones are named after."
        )
    )
    caption = distance_caption(dataset.path)
    if caption:
        st.caption(caption)
