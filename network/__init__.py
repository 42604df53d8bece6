"""Data in: dataset schema and loaders, the road-and-depot graph, importers of local files.

schema (table contracts) → loaders (validated tables) → graph (networkx road
graph, snapping in the city's metric CRS, reach sets over the road) ; importers turn
OpenStreetMap, GTFS and plain-CSV files into the same tables.
"""
