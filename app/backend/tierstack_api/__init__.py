"""tierstack products API: a small Flask service behind the ALB's /api/* rule."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Flask, g, jsonify, request

from tierstack_api import db
from tierstack_api.credentials import CredentialError, SecretCredentials

__all__ = ["create_app"]


def _product(row: dict) -> dict:
    return {
        "id": row["id"],
        "name": row["name"],
        "price": str(row["price"]),
        "created_at": row["created_at"].isoformat(),
    }


def _validate(payload, partial=False):
    """(values, errors) for a product payload."""
    errors, values = {}, {}
    if not isinstance(payload, dict):
        return {}, {"body": "expected a JSON object"}
    if "name" in payload or not partial:
        name = payload.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
            errors["name"] = "a non-empty string of at most 200 characters"
        else:
            values["name"] = name.strip()
    if "price" in payload or not partial:
        price = payload.get("price")
        try:
            if isinstance(price, bool) or price is None:
                raise InvalidOperation
            price = Decimal(str(price))
            if not price.is_finite() or price < 0 or price >= Decimal("1e10"):
                raise InvalidOperation
            values["price"] = price.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors["price"] = "a number from 0 to 9999999999.99"
    unknown = set(payload) - {"name", "price"}
    if unknown:
        errors["fields"] = f"unknown fields: {', '.join(sorted(unknown))}"
    if partial and not values and not errors:
        errors["body"] = "nothing to update"
    return values, errors


def create_app(credentials=None, env=None) -> Flask:
    app = Flask(__name__)
    app.config["CREDENTIALS"] = credentials or SecretCredentials()
    app.config["DB_ENV"] = env
    app.config["SCHEMA_READY"] = False

    def conn():
        if "db" not in g:
            g.db = db.connect(app.config["CREDENTIALS"], app.config["DB_ENV"])
            if not app.config["SCHEMA_READY"]:
                db.ensure_schema(g.db)
                app.config["SCHEMA_READY"] = True
        return g.db

    @app.teardown_appcontext
    def close_db(exc):
        connection = g.pop("db", None)
        if connection is not None:
            connection.close()

    @app.errorhandler(CredentialError)
    def credential_error(exc):
        app.logger.error("database credentials unavailable: %s", exc)
        return jsonify(error="database credentials unavailable"), 503

    @app.errorhandler(db.psycopg.OperationalError)
    def db_unavailable(exc):
        app.logger.error("database unavailable: %s", exc.__class__.__name__)
        return jsonify(error="database unavailable"), 503

    @app.errorhandler(404)
    def not_found(exc):
        return jsonify(error="not found"), 404

    @app.errorhandler(405)
    def not_allowed(exc):
        return jsonify(error="method not allowed"), 405

    @app.get("/health")
    def health():
        """Liveness for the ALB and the container health check: no database call."""
        return jsonify(status="ok")

    @app.get("/api/health")
    def ready():
        """Readiness through the ALB: the database answers."""
        with conn().cursor() as cur:
            cur.execute("SELECT 1 AS ok")
            cur.fetchone()
        return jsonify(status="ok", database="ok")

    @app.get("/api/products")
    def list_products():
        with conn().cursor() as cur:
            cur.execute("SELECT id, name, price, created_at FROM products ORDER BY id")
            return jsonify(products=[_product(r) for r in cur.fetchall()])

    @app.post("/api/products")
    def create_product():
        values, errors = _validate(request.get_json(silent=True))
        if errors:
            return jsonify(error="invalid product", fields=errors), 400
        c = conn()
        with c.cursor() as cur:
            cur.execute(
                "INSERT INTO products (name, price) VALUES (%s, %s) RETURNING id, name, price, created_at",
                (values["name"], values["price"]),
            )
            row = cur.fetchone()
        c.commit()
        return jsonify(_product(row)), 201, {"Location": f"/api/products/{row['id']}"}

    @app.get("/api/products/<int:product_id>")
    def get_product(product_id):
        with conn().cursor() as cur:
            cur.execute("SELECT id, name, price, created_at FROM products WHERE id = %s", (product_id,))
            row = cur.fetchone()
        if row is None:
            return jsonify(error="not found"), 404
        return jsonify(_product(row))

    @app.patch("/api/products/<int:product_id>")
    def update_product(product_id):
        values, errors = _validate(request.get_json(silent=True), partial=True)
        if errors:
            return jsonify(error="invalid product", fields=errors), 400
        columns = ", ".join(f"{k} = %s" for k in values)  # keys come from _validate only
        c = conn()
        with c.cursor() as cur:
            cur.execute(
                f"UPDATE products SET {columns} WHERE id = %s RETURNING id, name, price, created_at",  # noqa: S608
                (*values.values(), product_id),
            )
            row = cur.fetchone()
        c.commit()
        if row is None:
            return jsonify(error="not found"), 404
        return jsonify(_product(row))

    @app.delete("/api/products/<int:product_id>")
    def delete_product(product_id):
        c = conn()
        with c.cursor() as cur:
            cur.execute("DELETE FROM products WHERE id = %s", (product_id,))
            deleted = cur.rowcount
        c.commit()
        if not deleted:
            return jsonify(error="not found"), 404
        return "", 204

    return app
