"""tierstack.aws.secret_rotation against the emulator: creation, idempotence, check mode, updates, removal.

Each phase runs the module through ansible-playbook (as a role would) and the test reads the
resulting state back with boto3.
"""

from __future__ import annotations

import json
import shutil
import uuid

import pytest

from ansible_collections.tierstack.aws.plugins.module_utils.tierstack_lambda_zip import build_zip, code_sha256
from tierstack import REPO_ROOT, emulator
from tierstack.testing import client, run_playbook

SOURCE = REPO_ROOT / "roles" / "rds_aurora" / "files" / "postgres_rotation"

PLAYBOOK = """
- hosts: tierstack
  gather_facts: false
  module_defaults:
    tierstack.aws.secret_rotation: "{{ tierstack_aws_module_defaults }}"
  tasks:
    - name: Run the module
      tierstack.aws.secret_rotation: "{{ module_args }}"
      check_mode: "{{ run_in_check_mode | default(false) }}"
      diff: true
      register: result
      ignore_errors: true
    - name: Save the result
      ansible.builtin.copy:
        content: "{{ result | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""


@pytest.fixture(scope="module")
def world(endpoint, tmp_path_factory):
    tag = uuid.uuid4().hex[:8]
    ec2, iam, sm = client("ec2"), client("iam"), client("secretsmanager")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    sg = ec2.create_security_group(GroupName=f"app-{tag}", Description="app", VpcId=vpc)["GroupId"]
    role = iam.create_role(RoleName=f"rot-mod-{tag}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    secret = sm.create_secret(Name=f"db-credentials-{tag}", SecretString=json.dumps(
        {"engine": "postgres", "host": "h", "port": 5432, "username": "u", "password": "p", "dbname": "d"}))
    work = tmp_path_factory.mktemp("rotation-module")
    source = work / "src"
    shutil.copytree(SOURCE, source)
    (work / "play.yml").write_text(PLAYBOOK)
    yield {"tag": tag, "subnets": subnets, "sg": sg, "role_arn": role["Role"]["Arn"], "secret_arn": secret["ARN"],
           "secret_name": f"db-credentials-{tag}", "function": f"db-rotation-{tag}", "source": source, "work": work}
    sm.delete_secret(SecretId=secret["ARN"], ForceDeleteWithoutRecovery=True)
    iam.delete_role(RoleName=f"rot-mod-{tag}")
    ec2.delete_security_group(GroupId=sg)
    for subnet in subnets:
        ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)


def run(world, check=False, **args):
    result_file = world["work"] / f"result-{uuid.uuid4().hex}.json"
    module_args = {"secret_id": world["secret_name"], "function_name": world["function"],
                   "source": [str(world["source"])], "role_arn": world["role_arn"],
                   "subnet_ids": world["subnets"], "security_group_ids": [world["sg"]],
                   "tags": {"Environment": world["tag"]}}
    module_args.update(args)
    proc = run_playbook(str(world["work"] / "play.yml"),
                        {"module_args": module_args, "run_in_check_mode": check, "result_file": str(result_file),
                         "tierstack_region": "ap-southeast-1"},
                        endpoint=emulator.endpoint_url())
    assert proc.returncode == 0, proc.stdout[-3000:]
    return json.loads(result_file.read_text())


def function_config(world):
    return client("lambda").get_function(FunctionName=world["function"])["Configuration"]


def test_module_lifecycle(world):
    lam, sm = client("lambda"), client("secretsmanager")

    # 1. First run: creates the function, the permission, and turns rotation on.
    first = run(world)
    assert first["changed"] is True, first
    assert any(c.startswith("create function") for c in first["changes"])
    config = function_config(world)
    assert first["function_arn"] == config["FunctionArn"]
    assert config["Runtime"] == "python3.12"
    assert config["Handler"] == "lambda_function.lambda_handler"
    assert sorted(config["VpcConfig"]["SubnetIds"]) == sorted(world["subnets"])
    assert config["VpcConfig"]["SecurityGroupIds"] == [world["sg"]]
    assert config["CodeSha256"] == code_sha256(build_zip([str(world["source"])])) == first["code_sha256"]
    policy = json.loads(lam.get_policy(FunctionName=world["function"])["Policy"])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "secretsmanager.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == world["secret_arn"]
    secret = sm.describe_secret(SecretId=world["secret_arn"])
    assert secret["RotationEnabled"] is True
    assert secret["RotationLambdaARN"] == config["FunctionArn"]
    assert secret["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert first["rotation_rules"]["automatically_after_days"] == 30
    assert "password" not in json.dumps(first).lower().replace("getrandompassword", "")

    # 2. Same input again: no change, no write (the function is untouched).
    second = run(world)
    assert second["changed"] is False, second["changes"]
    assert second["changes"] == []
    assert function_config(world)["LastModified"] == config["LastModified"]
    assert second["function_arn"] == first["function_arn"]

    # 3. Check mode with new settings reports the change and its diff but writes nothing.
    planned = run(world, check=True, timeout=60, rotation_days=45)
    assert planned["changed"] is True
    assert any("Timeout" in c for c in planned["changes"]), planned["changes"]
    assert planned["diff"]["before"]["function"]["Timeout"] == 30
    assert planned["diff"]["after"]["function"]["Timeout"] == 60
    assert function_config(world)["Timeout"] == 30
    assert sm.describe_secret(SecretId=world["secret_arn"])["RotationRules"]["AutomaticallyAfterDays"] == 30

    # 4. A change of the source updates the code (a new hash); a schedule change updates the rules.
    (world["source"] / "lambda_function.py").write_text((world["source"] / "lambda_function.py").read_text() + "\n# v2\n")
    updated = run(world, rotation_days=45)
    assert updated["changed"] is True
    assert any(c.startswith("update function code") for c in updated["changes"]), updated["changes"]
    assert function_config(world)["CodeSha256"] == code_sha256(build_zip([str(world["source"])])) != first["code_sha256"]
    assert sm.describe_secret(SecretId=world["secret_arn"])["RotationRules"]["AutomaticallyAfterDays"] == 45
    assert run(world, rotation_days=45)["changed"] is False

    # 5. Bad input fails clearly.
    bad = run(world, rotation_days=1001)
    assert bad.get("failed") and "rotation_days must be 1 to 1000" in bad["msg"]

    # 6. Absent: rotation off and the function deleted; a second run changes nothing.
    gone = run(world, state="absent")
    assert gone["changed"] is True
    assert sm.describe_secret(SecretId=world["secret_arn"]).get("RotationEnabled") in (False, None)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=world["function"])
    assert run(world, state="absent")["changed"] is False


def test_missing_secret_fails_clearly(world):
    result = run(world, secret_id=f"no-such-secret-{world['tag']}", function_name=f"unused-{world['tag']}")
    assert result.get("failed") and "not found" in result["msg"]
    with pytest.raises(client("lambda").exceptions.ResourceNotFoundException):
        client("lambda").get_function(FunctionName=f"unused-{world['tag']}")
