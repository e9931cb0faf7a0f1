"""cogov's benchmark suite: `make bench` (or `python -m benchmarks`) writes docs/BENCHMARKS.md.

Speed is measured here and only here, never asserted in tests. Every figure
is the median of several rounds, and every comparison is a ratio of figures
measured in the same run, so a busy machine shifts the figures but much less
the ratios.
"""
