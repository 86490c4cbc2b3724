"""Benchmarks: each ``bench_*.py`` module measures one target side by side.

``make bench`` runs ``python -m benchmarks``, which imports every ``bench_*``
module here and calls its ``main()``. Each prints its own figures and ratios,
measured in the same run, because the machines are noisy and only ratios taken
side by side mean anything.
"""
