"""Your own data: dataset tables (CSV/GeoJSON), a GTFS feed and an OpenStreetMap extract.

Uploads are size- and type-checked here and parsed only by the project's safe
loaders (no pickle, no eval). A new dataset is validated as a whole in a copy
before it replaces the session's, so a failed upload changes nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from fleetplan.errors import InputError
from fleetplan.network.city import MANIFEST, load_city
from fleetplan.network.loaders import load_dataset
from fleetplan.network.schema import TABLES
from fleetplan.views import state, uploads
from fleetplan.views.i18n import t

MB = 1024 * 1024
#: Per-file limits (the server-wide cap is in .streamlit/config.toml).
MAX_TABLE_UPLOAD = 20 * MB
MAX_GTFS_UPLOAD = 50 * MB
MAX_OSM_UPLOAD = 50 * MB


def _update_user_dataset(write: Any) -> None:
    """Apply ``write(folder)`` to a copy of this session's dataset and adopt the copy if it validates.

    The copy is checked as a whole (references between tables too) before it
    replaces the session's dataset, so a failed upload changes nothing the
    planner had. The folder belongs to the session (removed when it ends).

    Raises
    ------
    InputError
        From ``write`` or the validation; the session's dataset is untouched.
    """
    current = st.session_state.get("user_dataset")
    source = Path(current) if current and Path(current).is_dir() else state.default_dataset_path()
    staging = uploads.SessionFolder("fleetplan-data-")
    try:
        for file in source.glob("*.csv"):
            shutil.copy(file, staging.path / file.name)
        # Without its manifest the copy would be read as Hong Kong (CRS, bounds, utilities).
        if (source / MANIFEST).is_file():
            shutil.copy(source / MANIFEST, staging.path / MANIFEST)
        write(staging.path)
        load_dataset(staging.path)
    except BaseException:
        staging.remove()
        raise
    previous = st.session_state.get("user_dataset_folder")
    st.session_state["user_dataset_folder"] = staging
    st.session_state["user_dataset"] = str(staging.path)
    if previous is not None:
        previous.remove()


def _drop_user_dataset() -> None:
    """Back to the default dataset; this session's folder is removed."""
    folder = st.session_state.pop("user_dataset_folder", None)
    if folder is not None:
        folder.remove()
    current = st.session_state.pop("user_dataset", None)
    if current:
        shutil.rmtree(current, ignore_errors=True)


def _geojson_to_csv(data: bytes, name: str) -> pd.DataFrame:
    """A GeoJSON table as the CSV columns (lon/lat from point geometry).

    Parsed as JSON text only (:mod:`fleetplan.network.geojson_table`): never by
    GDAL, whose driver detection would open a VRT, GeoPackage or ``/vsi`` path
    that names files on this server.
    """
    from fleetplan.network.geojson_table import read_geojson_points

    return read_geojson_points(data, name=name, max_bytes=MAX_TABLE_UPLOAD)


def render_dataset_uploads() -> None:
    """Upload widgets for tables, GTFS and OSM; the session's dataset changes only on success."""
    names = (
        {spec.file: spec for spec in TABLES.values()}
        | {spec.file.replace(".csv", ".geojson"): spec for spec in TABLES.values()}
        | {"nodes_fine.csv": TABLES["nodes"], "edges_fine.csv": TABLES["edges"]}
    )
    files = st.file_uploader(
        t(
            "Upload your own tables (CSV or GeoJSON named like the dataset's files, e.g. depots.csv)"
        ),
        type=["csv", "geojson"],
        accept_multiple_files=True,
        key="upload_tables",
    )
    if files:
        signature = tuple(f.file_id for f in files)
        if st.session_state.get("upload_tables_seen") != signature:
            st.session_state["upload_tables_seen"] = signature

            def write_tables(folder: Path) -> None:
                for upload in files:
                    if upload.name not in names:
                        raise InputError(
                            t(
                                "{file}: not a table of the dataset; expected one of {names}",
                                file=upload.name,
                                names=", ".join(sorted(s.file for s in TABLES.values())),
                            )
                        )
                    if upload.size > MAX_TABLE_UPLOAD:
                        raise InputError(
                            t(
                                "{file} is {size:.1f} MB; the limit is {limit:.0f} MB",
                                file=upload.name,
                                size=upload.size / MB,
                                limit=MAX_TABLE_UPLOAD / MB,
                            )
                        )
                    target = folder / (
                        upload.name
                        if upload.name.endswith(".csv")
                        else upload.name.replace(".geojson", ".csv")
                    )
                    if upload.name.endswith(".geojson"):
                        _geojson_to_csv(upload.getvalue(), upload.name).to_csv(target, index=False)
                    else:
                        target.write_bytes(upload.getvalue())

            try:
                _update_user_dataset(write_tables)
            except InputError as error:
                st.error(t("Input problem: {message}", message=str(error)))
            else:
                st.success(
                    t(
                        "Your data is valid and in use: {tables}",
                        tables=", ".join(f.name for f in files),
                    )
                )

    gtfs = st.file_uploader(t("Upload a GTFS feed (.zip)"), type=["zip"], key="upload_gtfs")
    if gtfs is not None:
        if gtfs.size > MAX_GTFS_UPLOAD:
            st.error(
                t(
                    "{file} is {size:.1f} MB; the limit is {limit:.0f} MB",
                    file=gtfs.name,
                    size=gtfs.size / MB,
                    limit=MAX_GTFS_UPLOAD / MB,
                )
            )
        else:
            try:
                # Read once per session: the widget keeps the upload across every rerun.
                routes = uploads.once_per_content(
                    st.session_state,
                    "upload_gtfs_read",
                    gtfs.getvalue(),
                    lambda: uploads.gtfs_route_summary(
                        gtfs.getvalue(), gtfs.name, load_city(state.dataset_path()).metric_crs
                    ),
                )
            except InputError as error:
                st.error(t("Input problem: {message}", message=str(error)))
            except Exception as error:
                st.error(
                    t(
                        "Something went wrong ({kind}): {message}. Try a simpler scenario or a longer time limit.",
                        kind=type(error).__name__,
                        message=str(error)[:300],
                    )
                )
            else:
                st.markdown("**" + t("Routes in the GTFS feed") + "**")
                st.dataframe(routes, hide_index=True)

    osm = st.file_uploader(
        t("Upload an OpenStreetMap extract (.osm)"), type=["osm"], key="upload_osm"
    )
    if osm is not None and st.session_state.get("upload_osm_seen") != osm.file_id:
        st.session_state["upload_osm_seen"] = osm.file_id
        if osm.size > MAX_OSM_UPLOAD:
            st.error(
                t(
                    "{file} is {size:.1f} MB; the limit is {limit:.0f} MB",
                    file=osm.name,
                    size=osm.size / MB,
                    limit=MAX_OSM_UPLOAD / MB,
                )
            )
        else:
            counts: dict[str, int] = {}

            def write_graph(folder: Path) -> None:
                from fleetplan.network.importers.osm import import_osm

                # Imported beside the dataset copy, never into it: a failed import leaves it as it was.
                with tempfile.TemporaryDirectory(prefix="fleetplan-upload-") as tmp:
                    path = Path(tmp) / "upload.osm"
                    path.write_bytes(osm.getvalue())
                    nodes, edges = import_osm(
                        path, max_bytes=MAX_OSM_UPLOAD, metric_crs=load_city(folder).metric_crs
                    )
                nodes.to_csv(folder / "nodes.csv", index=False)
                edges.to_csv(folder / "edges.csv", index=False)
                counts.update(nodes=len(nodes), edges=len(edges))

            try:
                _update_user_dataset(write_graph)
            except InputError as error:
                st.error(t("Input problem: {message}", message=str(error)))
            except Exception as error:
                st.error(
                    t(
                        "Something went wrong ({kind}): {message}. Try a simpler scenario or a longer time limit.",
                        kind=type(error).__name__,
                        message=str(error)[:300],
                    )
                )
            else:
                st.success(
                    t(
                        "Road graph from OSM: {nodes} nodes, {edges} edges (now used as the map graph)",
                        **counts,
                    )
                )

    if st.session_state.get("user_dataset") and st.button(
        t("Use the default dataset again"), key="reset_data"
    ):
        _drop_user_dataset()
        st.rerun()
