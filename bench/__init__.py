"""The benchmark suite: `python -m bench` (full run, ~10 min) or `python -m bench --quick` (smoke).

Everything here is bench-only: a synthetic dataset, the competing servers (`bench/apps/`), a
load generator that runs in its own process (`bench/load.py`) and the orchestration
(`bench/runner.py`). See docs/PERFORMANCE.md for the method and the numbers.
"""
