"""Peak memory of the app's GTFS upload path under the worst feed it accepts.

Builds a ~50 MB zip (the app's upload limit) whose GTFS files sit just under
:data:`fleetplan.network.importers.gtfs.UPLOAD_LIMITS` (stop_times.txt near 150 MB and
2 million rows in all, long ids: the most memory per byte gtfs-kit can be made
to use), plus incompressible padding in a member the importer never extracts,
and a 1.6 MB bomb whose stop_times.txt unpacks to 1 GB. Each goes through
:func:`fleetplan.views.uploads.gtfs_route_summary` as an upload would, and the peak
resident memory of the server process and of the reading child is printed.

Run: ``.venv/bin/python -m bench.gtfs_upload_peak`` (about a minute, ~1.1 GB).
"""

from __future__ import annotations

import io
import os
import resource
import tempfile
import time
import zipfile
from pathlib import Path

from fleetplan.views import uploads

_SMALL_FILES = {
    "agency.txt": "agency_name,agency_url,agency_timezone\nA,http://a,Asia/Hong_Kong\n",
    "stops.txt": "stop_id,stop_lat,stop_lon\n"
    + "".join(f"{i},{22.3 + i * 0.001},{114.1 + i * 0.001}\n" for i in range(10)),
    "routes.txt": "route_id,route_short_name,route_type\nR,1,3\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "S,1,1,1,1,1,1,1,20240101,20241231\n",
}


def worst_feed(
    path: Path,
    *,
    stop_times_rows: int = 1_800_000,
    id_pad: int = 55,
    padding_bytes: int = 44_000_000,
) -> Path:
    """A feed just under the upload bounds, padded to the upload size limit."""
    pad = "x" * id_pad
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _SMALL_FILES.items():
            archive.writestr(name, text)
        trips = stop_times_rows // 10
        archive.writestr(
            "trips.txt",
            "route_id,service_id,trip_id\n" + "".join(f"R,S,{pad}{i}\n" for i in range(trips)),
        )
        with archive.open("stop_times.txt", "w", force_zip64=True) as member:
            member.write(b"trip_id,stop_id,stop_sequence,arrival_time,departure_time\n")
            for start in range(0, stop_times_rows, 100_000):
                buffer = io.StringIO()
                for i in range(start, min(start + 100_000, stop_times_rows)):
                    trip, stop = divmod(i, 10)
                    buffer.write(f"{pad}{trip},{stop},{stop},08:{stop:02d}:00,08:{stop:02d}:00\n")
                member.write(buffer.getvalue().encode())
        archive.writestr(
            zipfile.ZipInfo("padding.bin"),
            os.urandom(padding_bytes),
            compress_type=zipfile.ZIP_STORED,
        )
    return path


def bomb(path: Path, *, unpacked_bytes: int = 1_080_000_000) -> Path:
    """A small zip whose stop_times.txt unpacks to about ``unpacked_bytes``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _SMALL_FILES.items():
            archive.writestr(name, text)
        archive.writestr("trips.txt", "route_id,service_id,trip_id\nR,S,T\n")
        with archive.open("stop_times.txt", "w", force_zip64=True) as member:
            member.write(b"trip_id,stop_id,stop_sequence\n")
            block = b"T,1,1\n" * 100_000
            for _ in range(unpacked_bytes // len(block)):
                member.write(block)
    return path


def measure(path: Path) -> str:
    """One upload through the app's path: outcome, time, and peak memory of server and child."""
    data = path.read_bytes()
    start = time.time()
    try:
        outcome = f"{len(uploads.gtfs_route_summary(data, path.name, 'EPSG:2326'))} routes"
    except Exception as error:
        outcome = f"{type(error).__name__}: {error}"
    server = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return (
        f"{path.name}: {len(data) / 1e6:.1f} MB zip -> {outcome} in {time.time() - start:.1f} s; "
        f"peak RSS server {server:.0f} MB, reading child {child:.0f} MB (largest child so far)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for make, name in ((worst_feed, "largest-accepted.zip"), (bomb, "bomb-1gb.zip")):
            print(measure(make(Path(tmp) / name)), flush=True)


if __name__ == "__main__":
    main()
