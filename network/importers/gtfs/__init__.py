"""Bus routes, vehicle blocks and a stop graph from a local GTFS feed (via gtfs-kit).

The package divides as the work does:

- :mod:`.reader`: vet a zip or folder (sizes, zip-slip, bombs, required files)
  and read the files the importer uses into a gtfs-kit Feed (:func:`load_feed`);
- :mod:`.tables`: which files and columns a feed needs, and the checks on its
  ids and stop positions;
- :mod:`.timetable`: GTFS clock times and frequency-based trips;
- :mod:`.service_days`: the calendar checked, services active on a date (gtfs-kit)
  and the busiest weekday;
- :mod:`.geometry`: stops and shapes projected to the city's metric CRS, trip lengths;
- :mod:`.routes`: :func:`route_summary` and :func:`assign_depots`;
- :mod:`.blocks`: :func:`blocks_from_gtfs` (buses' duties);
- :mod:`.stop_graph`: :func:`graph_tables_from_gtfs`.

Distances are measured in the city's metric CRS (``metric_crs``, required: the
``metric_crs`` of the dataset's ``city.yaml``; see :mod:`fleetplan.network.city`). Service
dates are ``YYYYMMDD`` strings (``YYYY-MM-DD`` is accepted too); when no date
is given the busiest weekday of the feed is used.
"""

from __future__ import annotations

from fleetplan.network.importers.gtfs.blocks import blocks_from_gtfs
from fleetplan.network.importers.gtfs.reader import (
    DEFAULT_LIMITS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_BYTES,
    MB,
    UPLOAD_LIMITS,
    FeedLimits,
    load_feed,
)
from fleetplan.network.importers.gtfs.routes import assign_depots, route_summary
from fleetplan.network.importers.gtfs.stop_graph import graph_tables_from_gtfs
from fleetplan.network.importers.gtfs.tables import (
    CALENDAR_FILES,
    REQUIRED_FILES,
    USED_FILES,
    VettedFeed,
)
from fleetplan.network.importers.gtfs.timetable import MAX_SERVICE_DAY_S, MIN_HEADWAY_S

__all__ = [
    "CALENDAR_FILES",
    "DEFAULT_LIMITS",
    "MAX_SERVICE_DAY_S",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_BYTES",
    "MB",
    "MIN_HEADWAY_S",
    "REQUIRED_FILES",
    "UPLOAD_LIMITS",
    "USED_FILES",
    "FeedLimits",
    "VettedFeed",
    "assign_depots",
    "blocks_from_gtfs",
    "graph_tables_from_gtfs",
    "load_feed",
    "route_summary",
]
