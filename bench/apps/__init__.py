"""The servers under test. Each module exposes an ASGI `app`, configured from the environment
(BENCH_DATABASE_URL, SECRET_KEY, ...), and serves `/healthz` and `/__bench/stats` (the number of
SQL statements it has executed, so the runner can report statements per request)."""
