"""The load benchmark at national scale: ``python -m bench seed`` and ``python -m bench run``.

Run on demand, never by the test suite; see docs/benchmarks.md.
"""
