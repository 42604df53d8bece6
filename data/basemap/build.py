"""Derive the app's offline Hong Kong base layer from Natural Earth (through world-atlas).

Run from the repository root::

    python data/basemap/build.py            # fetches world-atlas@2.0.2 with `npm pack`
    python data/basemap/build.py --tarball world-atlas-2.0.2.tgz

It decodes the 1:10m countries TopoJSON, keeps Hong Kong (ISO 344) and the
land around it (China 156, Macao 446), clips them to the map's frame and
writes ``data/basemap/hk_outline.geojson`` (a few tens of kB). Only that
derived file is committed; the npm package is not.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPolygon, Polygon, box, mapping

HERE = Path(__file__).resolve().parent
OUT = HERE / "hk_outline.geojson"
PACKAGE = "world-atlas@2.0.2"
#: lon/lat frame of the map: all of Hong Kong with a margin of Shenzhen and the Pearl River
FRAME = (113.75, 22.1, 114.5, 22.62)
#: Natural Earth admin-0 ids kept, with the role each plays on the map
KEPT = {"344": "hong_kong", "156": "neighbour", "446": "neighbour"}
DECIMALS = 4  # ~10 m: finer than a 1:10m coastline can claim


def _decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Quantised, delta-encoded TopoJSON arcs -> lists of (lon, lat)."""
    scale = topology["transform"]["scale"]
    translate = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)
    return arcs


def _ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indices:
        # ~i means arc i walked backwards; consecutive arcs share their joining point.
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _geometry(geometry: dict[str, Any], arcs: list[list[tuple[float, float]]]) -> MultiPolygon:
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    shapes = []
    for rings in polygons:
        outer, *holes = (_ring(r, arcs) for r in rings)
        shapes.append(Polygon(outer, holes))
    return MultiPolygon(shapes)


def _rounded(coords: Any) -> Any:
    if isinstance(coords[0], int | float):
        return [round(float(c), DECIMALS) for c in coords]
    return [_rounded(c) for c in coords]


def derive(topology: dict[str, Any]) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of the kept countries, clipped to :data:`FRAME`."""
    arcs = _decode_arcs(topology)
    frame = box(*FRAME)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        role = KEPT.get(str(geometry.get("id")))
        if role is None:
            continue
        shape = _geometry(geometry, arcs).buffer(0).intersection(frame)
        if shape.is_empty:
            continue
        geo = mapping(shape)
        features.append(
            {
                "type": "Feature",
                "properties": {"name": geometry["properties"]["name"], "role": role},
                "geometry": {"type": geo["type"], "coordinates": _rounded(geo["coordinates"])},
            }
        )
    return {
        "type": "FeatureCollection",
        "attribution": "Made with Natural Earth (public domain), via world-atlas 2.0.2 (ISC)",
        "features": features,
    }


def _read_topology(tarball: Path) -> dict[str, Any]:
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/countries-10m.json")
        if member is None:
            raise SystemExit(f"{tarball}: no package/countries-10m.json")
        return json.load(member)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tarball", type=Path, help="world-atlas package tarball (default: npm pack it)"
    )
    args = parser.parse_args()
    if args.tarball is not None:
        topology = _read_topology(args.tarball)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                ["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL
            )
            topology = _read_topology(next(Path(tmp).glob("world-atlas-*.tgz")))
    collection = derive(topology)
    OUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    print(
        f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} kB, {len(collection['features'])} features)"
    )


if __name__ == "__main__":
    main()
