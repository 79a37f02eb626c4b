"""The `graphql-api` command: serve, migrate, create-user, seed, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from graphql_api.config import Settings, get_settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from graphql_api import migrate

    if settings.is_sqlite:  # the embedded default looks after its own schema
        migrate.upgrade(settings)
    uvicorn.run(
        "graphql_api.asgi:app",
        host=args.host,
        port=args.port,
        workers=None if args.reload else args.workers,
        reload=args.reload,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        timeout_graceful_shutdown=30,
    )
    return 0


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    from graphql_api import migrate

    migrate.upgrade(settings)
    print("database is at the newest schema")
    return 0


def _create_user(args: argparse.Namespace, settings: Settings) -> int:
    from graphql_api.db import create_database
    from graphql_api.errors import DomainError
    from graphql_api.models import Role
    from graphql_api.services import users as user_service
    from graphql_api.services.tx import in_transaction

    async def run() -> int:
        db = create_database(settings)
        try:
            user = await in_transaction(
                db,
                lambda s: user_service.create(
                    s,
                    email=args.email,
                    password=args.password,
                    full_name=args.full_name or args.email.split("@")[0],
                    role=Role(args.role.upper()),
                ),
            )
        except DomainError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        finally:
            await db.dispose()
        print(f"created {user.role.value} {user.email} (id {user.id})")
        return 0

    return asyncio.run(run())


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    from graphql_api import seed

    created = asyncio.run(seed.seed(settings, demo=args.demo))
    print(created)
    return 0


def _export_schema(args: argparse.Namespace, _settings: Settings) -> int:
    from graphql_api.graphql.schema.build import export_sdl

    sdl = export_sdl()
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from graphql_api import datatools

    try:
        pages = datatools.backup_sqlite(settings.database_url, Path(args.output))
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {pages} pages to {args.output}")
    return 0


def _copy_data(args: argparse.Namespace, _settings: Settings) -> int:
    from graphql_api import datatools

    try:
        counts = datatools.copy_data(args.source, args.target)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("copied " + ", ".join(f"{n} {table}" for table, n in counts.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graphql-api", description="The booking GraphQL API.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--reload", action="store_true", help="restart on code changes (development)"
    )
    serve.set_defaults(handler=_serve)

    commands.add_parser("migrate", help="bring the database to the newest schema").set_defaults(
        handler=_migrate
    )

    create = commands.add_parser("create-user", help="add an account")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", required=True, choices=["admin", "staff", "customer"])
    create.add_argument("--full-name", default=None)
    create.set_defaults(handler=_create_user)

    seed = commands.add_parser("seed", help="fill an empty database with data")
    seed.add_argument(
        "--demo", action="store_true", help="realistic demo data (users, slots, bookings)"
    )
    seed.set_defaults(handler=_seed)

    backup = commands.add_parser("backup", help="online backup of the SQLite database")
    backup.add_argument("--output", required=True, help="the backup file to write")
    backup.set_defaults(handler=_backup)

    copy = commands.add_parser("copy-data", help="copy every row into an empty database")
    copy.add_argument("--from", dest="source", required=True, help="source DATABASE_URL")
    copy.add_argument("--to", dest="target", required=True, help="target DATABASE_URL")
    copy.set_defaults(handler=_copy_data)

    export = commands.add_parser("export-schema", help="write the SDL")
    export.add_argument("--output", default="schema.graphql", help="a file, or - for stdout")
    export.set_defaults(handler=_export_schema)
    return parser


def _run_handler(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import DBAPIError

    try:
        return int(args.handler(args, settings))
    except DBAPIError as exc:
        # A missing table or an unreachable server: one clear line, not a traceback with SQL.
        print(
            f"database error: {type(exc.orig).__name__}. Is DATABASE_URL right, "
            "and has `graphql-api migrate` been run?",
            file=sys.stderr,
        )
        return 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    return _run_handler(args, settings)


if __name__ == "__main__":
    raise SystemExit(main())
