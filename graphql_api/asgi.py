"""The ASGI entry point for uvicorn workers: `graphql_api.asgi:app`."""

from graphql_api import gctune
from graphql_api.main import create_app

app = create_app()
gctune.tune()  # after start-up, so the start-up heap is frozen (see gctune)
