"""PostgreSQL access for the products API."""

from __future__ import annotations

import os

import psycopg
from psycopg.rows import dict_row

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    price       NUMERIC(12, 2) NOT NULL CHECK (price >= 0),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""

# SQLSTATE 28P01 invalid_password, 28000 invalid_authorization_specification.
AUTH_FAILURES = {"28P01", "28000"}


def connection_settings(secret: dict, env=None) -> dict:
    """Connection keyword arguments: host, port and name from the environment (SSM), else the secret."""
    env = os.environ if env is None else env
    return {
        "host": env.get("DB_HOST") or secret.get("host") or "127.0.0.1",
        "port": int(env.get("DB_PORT") or secret.get("port") or 5432),
        "dbname": env.get("DB_NAME") or secret.get("dbname") or secret.get("database") or "postgres",
        "user": secret["username"],
        "password": secret["password"],
        "connect_timeout": int(env.get("DB_CONNECT_TIMEOUT", "5")),
        "sslmode": env.get("DB_SSLMODE", "prefer"),
    }


def is_auth_failure(exc: Exception) -> bool:
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate in AUTH_FAILURES:
        return True
    return "password authentication failed" in str(exc)


def connect(credentials, env=None):
    """Open a connection; on an authentication failure, re-read the secret once and retry."""
    try:
        return psycopg.connect(**connection_settings(credentials.get(), env), row_factory=dict_row)
    except psycopg.OperationalError as exc:
        if not is_auth_failure(exc):
            raise
    return psycopg.connect(**connection_settings(credentials.refresh(), env), row_factory=dict_row)


def ensure_schema(conn) -> None:
    with conn.cursor() as cur:
        cur.execute(SCHEMA)
    conn.commit()
