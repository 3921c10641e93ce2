"""The warehouse: which PostgreSQL to use, and how to reach it.

With FUNNELHOUSE_WAREHOUSE_URL set, that server is used and nothing is
started. Without it, the embedded server under the funnelhouse home is.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

URL_ENV = "FUNNELHOUSE_WAREHOUSE_URL"


def is_external() -> bool:
    return bool(os.environ.get(URL_ENV))


def url(database: str = "funnelhouse", *, start: bool = True) -> str:
    """A libpq URL of the warehouse (`postgresql://`), starting the embedded server if needed."""
    if is_external():
        external = os.environ[URL_ENV]
        if database == "funnelhouse":
            return normalise(external)
        return with_database(normalise(external), database)
    from funnelhouse.warehouse import embedded

    state = embedded.start() if start else embedded.load_state()
    if state is None:
        raise embedded.WarehouseError("the embedded warehouse has never been started: run `funnelhouse warehouse start`")
    return state.url(database)


def normalise(value: str) -> str:
    """SQLAlchemy 2 and dbt want `postgresql://`; Airflow's get_uri() gives `postgres://`."""
    for prefix in ("postgresql+psycopg2://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql://" + value[len(prefix):]
    return value


def with_database(value: str, database: str) -> str:
    parts = urlsplit(value)
    return urlunsplit(parts._replace(path="/" + database))


def redact(value: str) -> str:
    """The URL with its password replaced, for logs and messages."""
    parts = urlsplit(value)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return value


@contextmanager
def connect(dsn: str | None = None, autocommit: bool = False) -> Iterator["psycopg2.extensions.connection"]:  # noqa: F821
    import psycopg2

    conn = psycopg2.connect(dsn or url())
    conn.autocommit = autocommit
    try:
        yield conn
        if not autocommit:
            conn.commit()
    except BaseException:
        if not autocommit:
            conn.rollback()
        raise
    finally:
        conn.close()
