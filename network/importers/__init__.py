"""Importers that turn LOCAL files (OpenStreetMap, GTFS, plain CSV) into the dataset's tables.

Nothing here downloads: a planner fetches an extract or feed once, by hand,
and points the importer at the file. Every importer returns tables in the
schema of :mod:`fleetplan.network.schema` (WGS84 lon/lat, metres measured in the
city's metric CRS, a ``metric_crs`` argument, the city's,
``source`` and ``status`` on every row) and raises
:class:`~fleetplan.errors.InputError` naming the file or member on bad input.

Import the submodule you need (``network.importers.osm``, ``.gtfs``,
``.csv_network``): importing osmnx and gtfs-kit costs seconds, so this package
does not import them eagerly.
"""
