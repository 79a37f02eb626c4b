"""The ASGI entry point for uvicorn workers: `graphql_api.asgi:app`."""

from graphql_api.main import create_app

app = create_app()
