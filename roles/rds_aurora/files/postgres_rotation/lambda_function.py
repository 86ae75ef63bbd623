# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Single-user rotation of a PostgreSQL (Aurora PostgreSQL) password kept in Secrets Manager.

Secrets Manager calls ``lambda_handler`` four times per rotation, with the same
``ClientRequestToken`` (the id of the new version) and ``Step`` set in turn to:

createSecret
    Put a new version labelled AWSPENDING that copies AWSCURRENT with a fresh password.
setSecret
    Log in with AWSCURRENT (or AWSPREVIOUS, after an interrupted rotation) and set the
    database password to the AWSPENDING one.  The password is sent as a SCRAM-SHA-256
    verifier computed here, so the plain text never reaches the server's statement log.
testSecret
    Log in with AWSPENDING and run a query.  If that fails after setSecret changed the
    password, the AWSCURRENT password is put back so that no access is lost.
finishSecret
    Move AWSCURRENT to the new version (Secrets Manager puts AWSPREVIOUS on the old
    one) and drop the AWSPENDING label.

Every step can run again with the same token and does nothing the second time.

The secret's JSON is the one the AWS rotation templates use:
``{"engine": "postgres", "host": ..., "port": 5432, "username": ..., "password": ..., "dbname": ...}``.

Environment variables (all optional):

``EXCLUDE_CHARACTERS``   characters left out of new passwords (default ``/@"'\\`` and space).
``PASSWORD_LENGTH``      length of new passwords (default 32).
``DB_SSLMODE``           libpq sslmode (default ``require``; Aurora always offers TLS).
``DB_CONNECT_TIMEOUT``   seconds (default 5).
``SECRETS_MANAGER_ENDPOINT``  endpoint of Secrets Manager (for a VPC endpoint or a test double);
                         boto3 also honours ``AWS_ENDPOINT_URL``.

The function needs ``psycopg`` (3.x) at run time: the tierstack role either adds a
Lambda layer that provides it or vendors the manylinux ``psycopg[binary]`` wheel into the zip.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets

import boto3
from botocore.exceptions import ClientError

try:  # pragma: no cover - the import is checked when a step runs
    import psycopg
    from psycopg import sql
except ImportError:  # pragma: no cover
    psycopg = None
    sql = None

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
REQUIRED_KEYS = ("engine", "host", "username", "password")
DEFAULT_EXCLUDE = "/@\"'\\ "
SCRAM_ITERATIONS = 4096


class RotationError(Exception):
    """A rotation step cannot go on; the message never contains a password."""


def lambda_handler(event, context, client=None):
    """Entry point called by Secrets Manager."""
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]
    if step not in STEPS:
        raise ValueError(f"unknown rotation step {step!r}")
    client = client or _client()

    metadata = client.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError(f"secret {arn} does not have rotation enabled")
    versions = metadata.get("VersionIdsToStages", {})
    if token not in versions:
        # Secrets Manager labels the token's version AWSPENDING before it calls createSecret.
        # createSecret also accepts a new token, so a rotation can be started by hand (or by
        # a test) by invoking the steps directly; the other steps need the version to exist.
        if step != "createSecret":
            raise ValueError(f"version {token} of secret {arn} has no stage, so it cannot be rotated")
        create_secret(client, arn, token)
        return
    if "AWSCURRENT" in versions[token]:
        LOG.info("%s: version %s is already AWSCURRENT of %s", step, token, arn)
        return
    if "AWSPENDING" not in versions[token]:
        raise ValueError(f"version {token} of secret {arn} is not AWSPENDING")

    {"createSecret": create_secret, "setSecret": set_secret,
     "testSecret": test_secret, "finishSecret": finish_secret}[step](client, arn, token)


def _client():
    endpoint = os.environ.get("SECRETS_MANAGER_ENDPOINT")
    return boto3.client("secretsmanager", endpoint_url=endpoint) if endpoint else boto3.client("secretsmanager")


# --- Secrets Manager helpers -------------------------------------------------------------

def _stages(client, arn):
    return client.describe_secret(SecretId=arn).get("VersionIdsToStages", {})


def _version_with(stages, label):
    for version, labels in stages.items():
        if label in labels:
            return version
    return None


def get_secret_dict(client, arn, stage, token=None):
    """The parsed JSON of the version labelled ``stage`` (or of version ``token``).

    The version id is looked up in describe_secret first and the value is asked for by id,
    which is exact on AWS and also right where an emulator answers a stage-only query with
    a stale version.
    """
    stages = _stages(client, arn)
    version = token if token is not None else _version_with(stages, stage)
    if version is None or stage not in stages.get(version, []):
        raise RotationError(f"secret {arn} has no version labelled {stage}" + (f" with id {token}" if token else ""))
    value = client.get_secret_value(SecretId=arn, VersionId=version)["SecretString"]
    secret = json.loads(value)
    missing = [key for key in REQUIRED_KEYS if key not in secret]
    if missing:
        raise RotationError(f"the {stage} version of {arn} lacks {', '.join(missing)}")
    if secret["engine"] not in ("postgres", "aurora-postgresql"):
        raise RotationError(f"secret {arn} is for engine {secret['engine']!r}, not postgres")
    return secret


def new_password(client):
    length = int(os.environ.get("PASSWORD_LENGTH", "32"))
    exclude = os.environ.get("EXCLUDE_CHARACTERS", DEFAULT_EXCLUDE)
    return client.get_random_password(PasswordLength=length, ExcludeCharacters=exclude)["RandomPassword"]


# --- The four steps ------------------------------------------------------------------------

def create_secret(client, arn, token):
    """Put an AWSPENDING version with a new password, unless version ``token`` already has one."""
    current = get_secret_dict(client, arn, "AWSCURRENT")
    stages = _stages(client, arn)
    if "AWSPENDING" in stages.get(token, []):
        try:
            get_secret_dict(client, arn, "AWSPENDING", token)
            LOG.info("createSecret: version %s of %s already exists", token, arn)
            return
        except (RotationError, ClientError, KeyError, ValueError):
            # A label without a usable value (for example left by a rotation set-up test):
            # write the value below under the same token.
            pass
    pending = dict(current, password=new_password(client))
    client.put_secret_value(SecretId=arn, ClientRequestToken=token,
                            SecretString=json.dumps(pending), VersionStages=["AWSPENDING"])
    LOG.info("createSecret: put version %s of %s as AWSPENDING", token, arn)


def set_secret(client, arn, token):
    """Set the database password to the AWSPENDING one, logging in with a known-good version."""
    pending = get_secret_dict(client, arn, "AWSPENDING", token)
    conn = connect(pending)
    if conn:
        conn.close()
        LOG.info("setSecret: AWSPENDING of %s already logs in", arn)
        return

    current = get_secret_dict(client, arn, "AWSCURRENT")
    for key in ("username", "host"):
        if pending[key] != current[key]:
            raise RotationError(f"setSecret: AWSPENDING and AWSCURRENT of {arn} differ in {key}")
    conn = connect(current)
    if not conn:
        try:
            previous = get_secret_dict(client, arn, "AWSPREVIOUS")
        except RotationError:
            previous = None
        conn = connect(previous) if previous and previous["username"] == pending["username"] else None
    if not conn:
        raise RotationError(f"setSecret: neither AWSCURRENT nor AWSPREVIOUS of {arn} logs in to {current['host']}")
    try:
        with conn:
            set_password(conn, pending["username"], pending["password"])
    finally:
        conn.close()
    LOG.info("setSecret: set the password of %s from version %s", pending["username"], token)


def test_secret(client, arn, token):
    """Log in with AWSPENDING and run a query; on failure, make AWSCURRENT work again."""
    pending = get_secret_dict(client, arn, "AWSPENDING", token)
    conn = connect(pending)
    if not conn:
        _restore_current(client, arn, pending)
        raise RotationError(f"testSecret: AWSPENDING of {arn} does not log in")
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT current_user, now()")
            user = cur.fetchone()[0]
        if user != pending["username"]:
            raise RotationError(f"testSecret: logged in as {user!r}, not {pending['username']!r}")
    except Exception:
        _restore_current(client, arn, pending)
        raise
    finally:
        conn.close()
    LOG.info("testSecret: AWSPENDING of %s logs in", arn)


def finish_secret(client, arn, token):
    """Move AWSCURRENT to version ``token`` and drop its AWSPENDING label."""
    stages = _stages(client, arn)
    current = _version_with(stages, "AWSCURRENT")
    if current != token:
        client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT",
                                           MoveToVersionId=token, RemoveFromVersionId=current)
        LOG.info("finishSecret: moved AWSCURRENT of %s from %s to %s", arn, current, token)
    if "AWSPENDING" in _stages(client, arn).get(token, []):
        client.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=token)


def _restore_current(client, arn, pending):
    """After a failed test, put the AWSCURRENT password back if only AWSPENDING logs in."""
    current = get_secret_dict(client, arn, "AWSCURRENT")
    conn = connect(current)
    if conn:
        conn.close()
        return
    # The password belongs to the role, not to a database: if the secret's database refuses
    # the pending login, the maintenance database still lets it put the old password back.
    conn = None
    for dbname in (pending.get("dbname"), "postgres"):
        conn = conn or connect(dict(pending, dbname=dbname))
    if not conn:
        LOG.error("testSecret: neither AWSCURRENT nor AWSPENDING of %s logs in", arn)
        return
    try:
        with conn:
            set_password(conn, current["username"], current["password"])
        LOG.warning("testSecret failed: put the AWSCURRENT password of %s back", arn)
    finally:
        conn.close()


# --- PostgreSQL ----------------------------------------------------------------------------

def connect(secret):
    """A psycopg connection made with the secret, or None when the login fails."""
    if psycopg is None:
        raise RotationError("psycopg is not installed in the rotation function (add the layer or vendor it)")
    try:
        return psycopg.connect(
            host=secret["host"],
            port=int(secret.get("port") or 5432),
            dbname=secret.get("dbname") or "postgres",
            user=secret["username"],
            password=secret["password"],
            connect_timeout=int(os.environ.get("DB_CONNECT_TIMEOUT", "5")),
            sslmode=os.environ.get("DB_SSLMODE", "require"),
            application_name="tierstack-rotation",
        )
    except psycopg.OperationalError as exc:
        # The message of a failed login names the user, never the password.
        LOG.info("login as %s to %s failed: %s", secret["username"], secret["host"], str(exc).strip().splitlines()[0])
        return None


def scram_sha256_verifier(password, salt=None, iterations=SCRAM_ITERATIONS):
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802 / 7677).

    Generated passwords are printable ASCII, for which SASLprep is the identity.
    """
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(b):
        return base64.b64encode(b).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def set_password(conn, username, password):
    """ALTER ROLE ... PASSWORD with a verifier, so the statement holds no plain text."""
    statement = sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(
        sql.Identifier(username), sql.Literal(scram_sha256_verifier(password)))
    conn.execute(statement)
