"""Benchmarks of fleetplan: a synthetic-city generator and the benchmark runner.

``python -m bench.run --quick`` (``make bench``) and ``--full`` (``make bench-full``)
write ``bench/results/*.json`` and render ``BENCHMARKS.md``.
"""
