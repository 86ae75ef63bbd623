"""The products API against a real PostgreSQL server on loopback."""

from __future__ import annotations

import json
import uuid

import boto3
import psycopg
import pytest
from moto import mock_aws
from psycopg import sql

from tierstack_api import create_app
from tierstack_api.credentials import CredentialError, SecretCredentials, parse_secret


class FixedCredentials:
    def __init__(self, secret):
        self.secret = secret
        self.refreshes = 0

    def get(self):
        return self.secret

    def refresh(self):
        self.refreshes += 1
        return self.secret


@pytest.fixture()
def database(pg_server):
    """A fresh database and an owner role for one test."""
    name = f"t{uuid.uuid4().hex[:12]}"
    password = "pw-" + name
    with psycopg.connect(**pg_server.dsn(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(name)))
    secret = {"username": name, "password": password, "host": pg_server.host, "port": pg_server.port, "dbname": name}
    yield secret
    with psycopg.connect(**pg_server.dsn(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture()
def client(database):
    app = create_app(credentials=FixedCredentials(database), env={})
    return app.test_client()


def test_health_needs_no_database():
    app = create_app(credentials=FixedCredentials({"username": "x", "password": "y", "port": 1}), env={})
    resp = app.test_client().get("/health")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_readiness_checks_the_database(client):
    resp = client.get("/api/health")
    assert resp.status_code == 200
    assert resp.get_json()["database"] == "ok"


def test_unreachable_database_gives_503():
    app = create_app(credentials=FixedCredentials({"username": "x", "password": "y", "host": "127.0.0.1", "port": 1}), env={})
    resp = app.test_client().get("/api/products")
    assert resp.status_code == 503
    assert resp.get_json() == {"error": "database unavailable"}


def test_products_crud(client, database, pg_server):
    assert client.get("/api/products").get_json() == {"products": []}
    created = client.post("/api/products", json={"name": " Widget ", "price": 9.5})
    assert created.status_code == 201
    body = created.get_json()
    assert body["name"] == "Widget" and body["price"] == "9.50"
    assert created.headers["Location"] == f"/api/products/{body['id']}"

    # The row is really in PostgreSQL.
    with psycopg.connect(**pg_server.dsn(dbname=database["dbname"])) as conn:
        assert conn.execute("SELECT name, price::text FROM products").fetchall() == [("Widget", "9.50")]

    assert client.get(f"/api/products/{body['id']}").get_json()["name"] == "Widget"
    patched = client.patch(f"/api/products/{body['id']}", json={"price": "12"})
    assert patched.status_code == 200 and patched.get_json()["price"] == "12.00"
    assert [p["price"] for p in client.get("/api/products").get_json()["products"]] == ["12.00"]
    assert client.delete(f"/api/products/{body['id']}").status_code == 204
    assert client.get(f"/api/products/{body['id']}").status_code == 404
    assert client.delete(f"/api/products/{body['id']}").status_code == 404


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"price": 1}, "name"),
        ({"name": "", "price": 1}, "name"),
        ({"name": "x" * 201, "price": 1}, "name"),
        ({"name": "a"}, "price"),
        ({"name": "a", "price": -1}, "price"),
        ({"name": "a", "price": "abc"}, "price"),
        ({"name": "a", "price": True}, "price"),
        ({"name": "a", "price": "NaN"}, "price"),
        ({"name": "a", "price": 1, "colour": "red"}, "fields"),
        ([1, 2], "body"),
    ],
)
def test_bad_products_are_rejected(client, payload, field):
    resp = client.post("/api/products", json=payload)
    assert resp.status_code == 400
    assert field in resp.get_json()["fields"]
    assert client.get("/api/products").get_json() == {"products": []}


def test_unknown_routes_and_methods_are_json(client):
    assert client.get("/api/nothing").status_code == 404
    assert client.put("/api/products").status_code == 405


def test_parse_secret_rejects_incomplete_values():
    with pytest.raises(CredentialError):
        parse_secret("not json")
    with pytest.raises(CredentialError):
        parse_secret(json.dumps({"username": "a"}))
    assert parse_secret(json.dumps({"username": "a", "password": "b"}))["username"] == "a"


def test_rotation_is_picked_up_from_secrets_manager(database, pg_server, monkeypatch):
    """The password changes in PostgreSQL and in the secret; the app re-reads the secret and carries on."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name="ap-southeast-1")
        arn = sm.create_secret(Name="db-test", SecretString=json.dumps(database))["ARN"]
        # As in ECS: the value injected at start, the ARN to re-read it.
        creds = SecretCredentials(secret_arn=arn, initial=json.dumps(database), client=sm)
        client = create_app(credentials=creds, env={}).test_client()
        assert client.post("/api/products", json={"name": "before", "price": 1}).status_code == 201
        assert creds.refreshes == 0

        rotated = dict(database, password="rotated-" + database["password"])
        with psycopg.connect(**pg_server.dsn(), autocommit=True) as admin:
            admin.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(database["username"]), sql.Literal(rotated["password"]))
            )
        sm.put_secret_value(SecretId=arn, SecretString=json.dumps(rotated))

        resp = client.post("/api/products", json={"name": "after", "price": 2})
        assert resp.status_code == 201
        assert creds.refreshes == 1
        assert creds.get()["password"] == rotated["password"]
        assert [p["name"] for p in client.get("/api/products").get_json()["products"]] == ["before", "after"]
        assert creds.refreshes == 1


def test_wrong_secret_after_refresh_still_fails_cleanly(database, pg_server):
    bad = dict(database, password="wrong")
    creds = FixedCredentials(bad)
    resp = create_app(credentials=creds, env={}).test_client().get("/api/products")
    assert resp.status_code == 503
    assert creds.refreshes == 1
