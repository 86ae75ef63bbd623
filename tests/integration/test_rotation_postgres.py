"""The PostgreSQL rotation function, run in-process against a real PostgreSQL server and the emulator.

How it exercises the real server: a fixture runs initdb and starts PostgreSQL on 127.0.0.1 on a
free port (tests/integration/pg_server.py) with SCRAM-SHA-256 authentication over TCP, the way
Aurora authenticates. Each test creates a plain login role (no superuser) and a Secrets Manager
secret for it in the emulator, with rotation turned on for a Lambda packaged from the real source.
The test then drives the four steps the way Secrets Manager does (same ClientRequestToken,
createSecret -> setSecret -> testSecret -> finishSecret) by calling the function's
lambda_handler in this process; boto3 inside it talks to the emulator through AWS_ENDPOINT_URL.
Logins are checked by opening real TCP connections with each password.
"""

from __future__ import annotations

import importlib.util
import json
import os
import uuid
from pathlib import Path

import boto3
import pytest

from tierstack import REPO_ROOT
from ansible_collections.tierstack.aws.plugins.module_utils.tierstack_lambda_zip import build_zip

SOURCE = REPO_ROOT / "roles" / "rds_aurora" / "files" / "postgres_rotation"
REGION = "ap-southeast-1"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The helper sits next to this file (pytest runs with --import-mode=importlib, so load it by path).
_pg_server = _load("tierstack_pg_server", Path(__file__).with_name("pg_server.py"))
PgServer, random_name = _pg_server.PgServer, _pg_server.random_name


def load_rotation_module():
    spec = importlib.util.spec_from_file_location("tierstack_pg_rotation", SOURCE / "lambda_function.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rotation():
    return load_rotation_module()


@pytest.fixture(scope="module")
def aws_env(endpoint):
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                            "AWS_DEFAULT_REGION", "DB_SSLMODE")}
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_DEFAULT_REGION=REGION, DB_SSLMODE="disable")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def sm(aws_env):
    return boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture(scope="module")
def pg():
    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rotation_lambda(aws_env):
    """The rotation function packaged from the real source, in the emulator (which never runs it)."""
    iam = boto3.client("iam", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    name = f"rot-test-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
                              Handler="lambda_function.lambda_handler", Code={"ZipFile": build_zip([str(SOURCE)])})["FunctionArn"]
    yield arn
    lam.delete_function(FunctionName=name)
    iam.delete_role(RoleName=name)


@pytest.fixture
def account(pg, sm, rotation_lambda):
    """A login role with a known password, and its rotating secret."""
    username = random_name("app")
    password = "initial-" + uuid.uuid4().hex
    pg.create_login(username, password)
    secret = {"engine": "postgres", "host": "127.0.0.1", "port": pg.port, "username": username,
              "password": password, "dbname": "postgres"}
    created = sm.create_secret(Name=f"rot-test-{username}", SecretString=json.dumps(secret))
    # Turn rotation on without rotating now (the emulator never runs the function).
    sm.rotate_secret(SecretId=created["ARN"], RotationLambdaARN=rotation_lambda,
                     RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    yield {"arn": created["ARN"], "username": username, "password": password, "first_version": created["VersionId"]}
    sm.delete_secret(SecretId=created["ARN"], ForceDeleteWithoutRecovery=True)


def stages(sm, arn):
    return sm.describe_secret(SecretId=arn)["VersionIdsToStages"]


def value(sm, arn, label):
    """The JSON of the version that has ``label`` (looked up by id: see docs/emulator-gaps.md)."""
    version = next(v for v, labels in stages(sm, arn).items() if label in labels)
    return json.loads(sm.get_secret_value(SecretId=arn, VersionId=version)["SecretString"])


def step(rotation, arn, token, name):
    rotation.lambda_handler({"SecretId": arn, "ClientRequestToken": token, "Step": name}, None)


def rotate(rotation, arn, token=None):
    token = token or str(uuid.uuid4())
    for name in STEPS:
        step(rotation, arn, token, name)
    return token


def test_full_rotation_changes_the_password_and_moves_the_labels(rotation, sm, pg, account):
    arn, user, old = account["arn"], account["username"], account["password"]
    assert pg.can_login(user, old)

    token = rotate(rotation, arn)

    labels = stages(sm, arn)
    assert labels[token] == ["AWSCURRENT"], labels
    assert labels[account["first_version"]] == ["AWSPREVIOUS"], labels
    assert not any("AWSPENDING" in v for v in labels.values()), labels
    new = value(sm, arn, "AWSCURRENT")
    assert new["password"] != old
    assert len(new["password"]) == 32
    assert {k: v for k, v in new.items() if k != "password"} == {
        "engine": "postgres", "host": "127.0.0.1", "port": pg.port, "username": user, "dbname": "postgres"}
    assert pg.can_login(user, new["password"]), "the new password does not log in"
    assert not pg.can_login(user, old), "the old password still logs in"
    assert value(sm, arn, "AWSPREVIOUS")["password"] == old


def test_password_never_reaches_the_server_log(rotation, sm, pg, account):
    rotate(rotation, account["arn"])
    new = value(sm, account["arn"], "AWSCURRENT")["password"]
    log = pg.server_log()
    assert "ALTER ROLE" in log, "log_statement=all should have logged the ALTER ROLE"
    assert new not in log
    assert pg.stored_verifier(account["username"]).startswith("SCRAM-SHA-256$4096:")


def test_two_rotations_in_a_row(rotation, sm, pg, account):
    arn, user = account["arn"], account["username"]
    first = rotate(rotation, arn)
    p1 = value(sm, arn, "AWSCURRENT")["password"]
    second = rotate(rotation, arn)
    p2 = value(sm, arn, "AWSCURRENT")["password"]
    labels = stages(sm, arn)
    assert labels[second] == ["AWSCURRENT"] and labels[first] == ["AWSPREVIOUS"], labels
    assert pg.can_login(user, p2) and not pg.can_login(user, p1) and not pg.can_login(user, account["password"])


def test_every_step_can_run_twice(rotation, sm, pg, account):
    arn, user, old = account["arn"], account["username"], account["password"]
    token = str(uuid.uuid4())
    step(rotation, arn, token, "createSecret")
    pending = value(sm, arn, "AWSPENDING")["password"]
    step(rotation, arn, token, "createSecret")
    assert value(sm, arn, "AWSPENDING")["password"] == pending, "a second createSecret changed the pending password"
    versions_after_create = set(stages(sm, arn))
    for name in ("setSecret", "setSecret", "testSecret", "testSecret", "finishSecret", "finishSecret"):
        step(rotation, arn, token, name)
    assert set(stages(sm, arn)) == versions_after_create, "a repeated step created another version"
    assert stages(sm, arn)[token] == ["AWSCURRENT"]
    assert value(sm, arn, "AWSCURRENT")["password"] == pending
    assert pg.can_login(user, pending) and not pg.can_login(user, old)
    # A late retry of any step after the rotation finished changes nothing.
    for name in STEPS:
        step(rotation, arn, token, name)
    assert pg.can_login(user, pending) and stages(sm, arn)[token] == ["AWSCURRENT"]


def test_set_secret_failure_keeps_the_current_password_working(rotation, sm, pg, account):
    """The database is unreachable during setSecret: the step fails and AWSCURRENT still logs in."""
    arn, user, old = account["arn"], account["username"], account["password"]
    token = str(uuid.uuid4())
    step(rotation, arn, token, "createSecret")
    pg.pause()
    try:
        with pytest.raises(rotation.RotationError, match="neither AWSCURRENT nor AWSPREVIOUS"):
            step(rotation, arn, token, "setSecret")
    finally:
        pg.resume()
    labels = stages(sm, arn)
    assert "AWSCURRENT" in labels[account["first_version"]] and labels[token] == ["AWSPENDING"], labels
    assert value(sm, arn, "AWSCURRENT")["password"] == old
    assert pg.can_login(user, old), "AWSCURRENT no longer logs in after a failed setSecret"
    # Secrets Manager retries the same rotation later; it then completes.
    for name in ("setSecret", "testSecret", "finishSecret"):
        step(rotation, arn, token, name)
    assert pg.can_login(user, value(sm, arn, "AWSCURRENT")["password"]) and not pg.can_login(user, old)


def test_test_secret_failure_keeps_the_current_password_working(rotation, sm, pg, account):
    """testSecret fails (the pending password was never applied): AWSCURRENT still logs in, labels unchanged."""
    arn, user, old = account["arn"], account["username"], account["password"]
    token = str(uuid.uuid4())
    step(rotation, arn, token, "createSecret")
    with pytest.raises(rotation.RotationError, match="does not log in"):
        step(rotation, arn, token, "testSecret")
    assert pg.can_login(user, old)
    labels = stages(sm, arn)
    assert "AWSCURRENT" in labels[account["first_version"]] and labels[token] == ["AWSPENDING"], labels


def test_test_secret_failure_after_set_secret_puts_the_current_password_back(rotation, sm, pg, account, monkeypatch):
    """setSecret applied the new password, then the test query fails: the old password is restored."""
    arn, user, old = account["arn"], account["username"], account["password"]
    token = str(uuid.uuid4())
    step(rotation, arn, token, "createSecret")
    step(rotation, arn, token, "setSecret")
    pending = value(sm, arn, "AWSPENDING")["password"]
    assert pg.can_login(user, pending) and not pg.can_login(user, old)

    # The login works but the account cannot use the database: revoke CONNECT on the test database.
    with pg.admin() as conn:
        conn.execute("CREATE DATABASE rotation_probe")
        conn.execute("REVOKE CONNECT ON DATABASE rotation_probe FROM PUBLIC")
    try:
        current = value(sm, arn, "AWSCURRENT")
        monkeypatch.setattr(rotation, "get_secret_dict", _with_dbname(rotation.get_secret_dict, "rotation_probe", only="AWSPENDING"))
        with pytest.raises(rotation.RotationError, match="does not log in"):
            step(rotation, arn, token, "testSecret")
    finally:
        monkeypatch.undo()
        with pg.admin() as conn:
            conn.execute("DROP DATABASE rotation_probe")
    assert current["password"] == old
    assert pg.can_login(user, old), "the AWSCURRENT password was not put back after testSecret failed"
    assert stages(sm, arn)[account["first_version"]] == ["AWSCURRENT"]


def _with_dbname(original, dbname, only):
    def wrapper(client, arn, stage, token=None):
        secret = original(client, arn, stage, token)
        return dict(secret, dbname=dbname) if stage == only else secret
    return wrapper


def test_rotation_refuses_a_secret_without_rotation(rotation, sm, pg):
    created = sm.create_secret(Name=f"rot-test-off-{uuid.uuid4().hex[:6]}", SecretString=json.dumps(
        {"engine": "postgres", "host": "127.0.0.1", "port": pg.port, "username": "x", "password": "y", "dbname": "postgres"}))
    try:
        with pytest.raises(ValueError, match="does not have rotation enabled"):
            step(rotation, created["ARN"], str(uuid.uuid4()), "createSecret")
    finally:
        sm.delete_secret(SecretId=created["ARN"], ForceDeleteWithoutRecovery=True)


def test_unknown_token_is_refused_after_create(rotation, account):
    with pytest.raises(ValueError, match="has no stage"):
        step(rotation, account["arn"], str(uuid.uuid4()), "setSecret")
