"""`python -m bench [--quick]`: see bench/runner.py and docs/PERFORMANCE.md."""

from bench.runner import main

raise SystemExit(main())
