"""playbooks/rotate_now.yml (the "tierstack rotate now" job template) through ansible-runner.

The secret is set up here the way the data tier leaves it: named db-credentials-<suffix>, with a
value and rotation enabled through a Lambda function. The playbook must find it by the stack's
suffix, start a rotation, and leave a new AWSCURRENT version with the old one as AWSPREVIOUS.
(The emulator does not run the rotation function's code; it moves the labels itself. The rotation
steps themselves are tested in-process by the data tier's tests.)
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest

from tierstack import api
from tierstack.testing import client

TIERS = ["vpc", "rds_aurora"]  # rotate_now needs a data tier in tierstack_tiers; it deploys nothing


def _env(endpoint):
    # Only the endpoint: the keys and region come from module_defaults (inventories/local), as in AWX.
    return {"AWS_ENDPOINT_URL": endpoint}


def _stages(secret_id):
    return client("secretsmanager").describe_secret(SecretId=secret_id)["VersionIdsToStages"]


def _current(stages):
    return next(v for v, labels in stages.items() if "AWSCURRENT" in labels)


@pytest.fixture
def secret(endpoint):
    suffix = "rr" + uuid.uuid4().hex[:6]
    name = f"db-credentials-{suffix}"
    sm, lam, iam = client("secretsmanager"), client("lambda"), client("iam")
    role = iam.create_role(RoleName=f"rotate-{suffix}", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return None\n")
    fn = lam.create_function(FunctionName=f"rotate-{suffix}", Runtime="python3.12", Role=role,
                             Handler="lambda_function.lambda_handler", Code={"ZipFile": buf.getvalue()})["FunctionArn"]
    sm.create_secret(Name=name, SecretString=json.dumps({"username": "app", "password": "not-a-real-one"}))
    sm.rotate_secret(SecretId=name, RotationLambdaARN=fn, RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    yield suffix, name
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    lam.delete_function(FunctionName=f"rotate-{suffix}")
    iam.delete_role(RoleName=f"rotate-{suffix}")


def _run(suffix, endpoint, check=False, **extra):
    return api.run_playbook("playbooks/rotate_now.yml", suffix, extravars={"tierstack_tiers": TIERS, **extra},
                            envvars=_env(endpoint), check=check)


def test_rotate_now_finds_the_stack_secret_and_rotates_it(secret, endpoint):
    suffix, name = secret
    before = _current(_stages(name))
    result = _run(suffix, endpoint)
    assert result.ok, (result.artifact_dir / "stdout").read_text()[-3000:]
    assert result.changed() == 1
    after = _stages(name)
    assert _current(after) != before
    assert "AWSPREVIOUS" in after[before]
    # Rotating again works too (the emulator forgets the function after a rotation; AWS keeps it).
    again = _run(suffix, endpoint)
    assert again.ok, (again.artifact_dir / "stdout").read_text()[-3000:]
    assert _current(_stages(name)) not in (before, _current(after))


def test_check_mode_rotates_nothing(secret, endpoint):
    suffix, name = secret
    before = _stages(name)
    result = _run(suffix, endpoint, check=True)
    assert result.ok, (result.artifact_dir / "stdout").read_text()[-3000:]
    assert _stages(name) == before


def test_a_secret_without_rotation_fails_clearly(endpoint):
    suffix = "rr" + uuid.uuid4().hex[:6]
    name = f"db-credentials-{suffix}"
    client("secretsmanager").create_secret(Name=name, SecretString="{}")
    try:
        result = _run(suffix, endpoint)
        assert result.status == "failed"
        assert "rotation is not enabled" in (result.artifact_dir / "stdout").read_text()
    finally:
        client("secretsmanager").delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def test_a_stack_without_a_data_tier_fails_before_any_call(endpoint):
    result = api.run_playbook("playbooks/rotate_now.yml", "rr1", extravars={"tierstack_tiers": ["vpc"]},
                              envvars={**_env(endpoint), "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert result.status == "failed"
    assert "has no rds_aurora tier" in (result.artifact_dir / "stdout").read_text()
