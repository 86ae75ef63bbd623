#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secret_rotation
short_description: Set up automatic rotation of a Secrets Manager secret, with its rotation Lambda
version_added: 0.1.0
description:
  - Packages a rotation function's source directory into a deterministic zip (sorted entries, fixed
    timestamps and permissions, stored without compression), so the same source always gives the same
    bytes and the same C(CodeSha256), and the function is only updated when the code or its settings change.
  - Creates or updates that AWS Lambda function, optionally in private subnets with security groups that the
    database's security group admits.
  - Grants C(secretsmanager.amazonaws.com) permission to invoke the function, scoped to the secret by C(SourceArn).
  - Turns rotation on for the secret with the wanted schedule (every 30 days by default).
  - With O(managed=true) no function is involved; the secret is rotated by the service that owns it (an
    RDS-managed master user secret) and only the schedule is set. With O(rds_cluster_identifier) the module
    first turns on C(ManageMasterUserPassword) for the Aurora cluster, so that RDS creates and owns the secret.
  - The module never reads or returns a secret value.
  - Supports check mode and diff mode. A run with nothing to change makes no write call.
  - The source directory is read on the host that runs the module, normally C(localhost).
author:
  - tierstack maintainers
options:
  secret_id:
    description:
      - Name or ARN of the secret to rotate.
      - Required unless O(rds_cluster_identifier) is given.
    type: str
  state:
    description:
      - C(present) sets rotation up; C(absent) turns rotation off, and deletes the function if O(function_name) is given.
    type: str
    choices: [present, absent]
    default: present
  managed:
    description:
      - The secret is rotated by its owning service (for example RDS), so no function is created or granted.
    type: bool
    default: false
  rds_cluster_identifier:
    description:
      - With O(managed=true), the Aurora or RDS cluster whose master password RDS should manage.
      - The module turns on C(ManageMasterUserPassword) if it is off, and rotates the secret RDS keeps for it.
    type: str
  master_user_secret_kms_key_id:
    description:
      - KMS key for the secret RDS creates when O(rds_cluster_identifier) is given. Defaults to the AWS managed key.
    type: str
  rotation_days:
    description:
      - Rotate every this many days, 1 to 1000.
      - Mutually exclusive with O(schedule_expression).
    type: int
    default: 30
  schedule_expression:
    description:
      - A C(rate()) or C(cron()) expression instead of O(rotation_days).
    type: str
  rotation_window:
    description:
      - How long the rotation window lasts, such as C(3h). Secrets Manager's default when not set.
    type: str
  rotate_immediately:
    description:
      - Rotate the secret as soon as rotation is set up or its function changes.
      - When false, Secrets Manager only runs the function's testSecret step to check the set-up.
    type: bool
    default: false
  function_name:
    description:
      - Name of the rotation Lambda function. Required unless O(managed=true).
    type: str
  source:
    description:
      - Files and directories packaged at the root of the function's zip, in order (a later one wins on a clash).
      - The first one normally holds C(lambda_function.py); further ones add dependencies, such as a
        directory where C(pip install --target) put C(psycopg[binary]) for the Lambda platform.
      - Required with O(state=present) unless O(managed=true).
    type: list
    elements: path
  handler:
    description: The function's handler.
    type: str
    default: lambda_function.lambda_handler
  runtime:
    description: The function's runtime.
    type: str
    default: python3.12
  architecture:
    description: The function's instruction set; vendored binary wheels must match it.
    type: str
    choices: [x86_64, arm64]
    default: x86_64
  role_arn:
    description:
      - ARN of the IAM role the function runs as. It needs C(secretsmanager:DescribeSecret), C(GetSecretValue),
        C(PutSecretValue), C(UpdateSecretVersionStage) on the secret, C(secretsmanager:GetRandomPassword), and
        the network interface permissions of a VPC function (C(AWSLambdaVPCAccessExecutionRole)).
      - Required with O(state=present) unless O(managed=true).
    type: str
  description:
    description: Description of the function.
    type: str
    default: Rotates a Secrets Manager secret
  timeout:
    description: Function timeout in seconds.
    type: int
    default: 30
  memory_size:
    description: Function memory in MB.
    type: int
    default: 128
  environment:
    description: Environment variables of the function (no secrets here).
    type: dict
    default: {}
  layers:
    description:
      - ARNs of Lambda layers, for example one that provides C(psycopg) for the runtime.
    type: list
    elements: str
    default: []
  subnet_ids:
    description: Subnets the function runs in. Give none for a function outside any VPC.
    type: list
    elements: str
    default: []
  security_group_ids:
    description: Security groups of the function; required with O(subnet_ids).
    type: list
    elements: str
    default: []
  statement_id:
    description:
      - Id of the function policy statement that lets Secrets Manager invoke it.
      - Defaults to C(SecretsManager-) and the secret's name, so that one function can serve several secrets.
    type: str
  tags:
    description: Tags of the function.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove tags of the function that are not in O(tags).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the function (or an RDS-managed secret) to become ready.
    type: int
    default: 300
notes:
  - The zip is stored without compression, so a package with vendored binary wheels is larger than a
    deflated one; the 50 MB limit of a direct upload still leaves ample room for C(psycopg[binary]).
  - On AWS, a new IAM role can take a few seconds before Lambda may assume it; the module retries for that.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Rotate the database secret every 30 days with the collection's PostgreSQL rotation function
  tierstack.aws.secret_rotation:
    secret_id: db-credentials-dev1
    function_name: db-rotation-dev1
    source:
      - "{{ role_path }}/files/postgres_rotation"
    role_arn: arn:aws:iam::123456789012:role/db-rotation-dev1
    subnet_ids: [subnet-0a1b2c3d, subnet-4e5f6a7b]
    security_group_ids: [sg-0123456789abcdef0]
    layers: [arn:aws:lambda:ap-southeast-1:123456789012:layer:psycopg:3]
    rotation_days: 30
    tags:
      Environment: dev1
  register: rotation

- name: Let RDS manage the cluster's master password, and rotate it every 30 days
  tierstack.aws.secret_rotation:
    managed: true
    rds_cluster_identifier: aurora-dev1
    rotation_days: 30

- name: Turn rotation off and delete the function
  tierstack.aws.secret_rotation:
    secret_id: db-credentials-dev1
    function_name: db-rotation-dev1
    state: absent
"""

RETURN = r"""
secret_arn:
  description: ARN of the secret.
  returned: when the secret exists
  type: str
  sample: arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:db-credentials-dev1-AbCdEf
function_arn:
  description: ARN of the rotation function (none when O(managed=true)).
  returned: when state is present and the function exists
  type: str
  sample: arn:aws:lambda:ap-southeast-1:123456789012:function:db-rotation-dev1
code_sha256:
  description: Base64 SHA-256 of the deterministic package, as Lambda reports it.
  returned: when state is present and managed is false
  type: str
  sample: 0TbmfTf3S0MAO4n4P2jzBPODL48UcxMtPY9tO4fgpHE=
rotation_enabled:
  description: Whether rotation is on.
  returned: always
  type: bool
rotation_lambda_arn:
  description: The function Secrets Manager calls (empty for a managed secret).
  returned: when the secret exists
  type: str
rotation_rules:
  description: The secret's rotation rules.
  returned: when the secret exists
  type: dict
  contains:
    automatically_after_days:
      description: Days between rotations.
      type: int
      sample: 30
    schedule_expression:
      description: The schedule, when one was given.
      type: str
    duration:
      description: Length of the rotation window.
      type: str
permission:
  description: The function policy statement that lets Secrets Manager invoke the function.
  returned: when state is present and managed is false
  type: dict
  contains:
    statement_id:
      description: The statement's id.
      type: str
    source_arn:
      description: The secret ARN the permission is scoped to.
      type: str
changes:
  description: What the run changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: [create function, grant invoke permission, enable rotation]
"""

import json
import re
import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tierstack.aws.plugins.module_utils.tierstack_lambda_zip import build_zip
from ansible_collections.tierstack.aws.plugins.module_utils.tierstack_lambda_zip import code_sha256

SECRETS_PRINCIPAL = "secretsmanager.amazonaws.com"
# Errors of a role that IAM has not yet propagated to Lambda.
ROLE_NOT_READY = re.compile(r"cannot be assumed|does not have permissions to call|role defined for the function", re.I)


def desired_rules(params):
    """RotationRules for the parameters, in the API's shape."""
    rules = {}
    if params["schedule_expression"]:
        rules["ScheduleExpression"] = params["schedule_expression"]
    else:
        rules["AutomaticallyAfterDays"] = params["rotation_days"]
    if params["rotation_window"]:
        rules["Duration"] = params["rotation_window"]
    return rules


def rules_differ(current, desired):
    """True when any key of ``desired`` has another value in ``current``."""
    current = current or {}
    return any(current.get(key) != value for key, value in desired.items())


def default_statement_id(secret_name):
    """A policy statement id for the secret: letters, digits, - and _, at most 100 characters."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"SecretsManager-{secret_name}")[:100]


def desired_function_config(params):
    """The function settings the module manages, in get_function_configuration's shape."""
    return {
        "Runtime": params["runtime"],
        "Handler": params["handler"],
        "Role": params["role_arn"],
        "Description": params["description"],
        "Timeout": params["timeout"],
        "MemorySize": params["memory_size"],
        "Environment": {"Variables": {str(k): str(v) for k, v in (params["environment"] or {}).items()}},
        "VpcConfig": {"SubnetIds": sorted(params["subnet_ids"]), "SecurityGroupIds": sorted(params["security_group_ids"])},
        "Layers": list(params["layers"]),
    }


def current_function_config(config):
    """The managed settings of an existing function, normalised for comparison."""
    vpc = config.get("VpcConfig") or {}
    return {
        "Runtime": config.get("Runtime"),
        "Handler": config.get("Handler"),
        "Role": config.get("Role"),
        "Description": config.get("Description", ""),
        "Timeout": config.get("Timeout"),
        "MemorySize": config.get("MemorySize"),
        "Environment": {"Variables": dict((config.get("Environment") or {}).get("Variables") or {})},
        "VpcConfig": {"SubnetIds": sorted(vpc.get("SubnetIds") or []), "SecurityGroupIds": sorted(vpc.get("SecurityGroupIds") or [])},
        "Layers": [layer["Arn"] for layer in config.get("Layers") or []],
    }


def config_changes(current, desired):
    """Names of the settings that differ."""
    return sorted(key for key in desired if current.get(key) != desired[key])


def statement_source_arn(statement):
    condition = statement.get("Condition") or {}
    for operator in ("ArnLike", "ArnEquals", "StringEquals", "StringLike"):
        for key, value in (condition.get(operator) or {}).items():
            if key.lower() == "aws:sourcearn":
                return value
    return None


def statement_principal(statement):
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        return principal.get("Service")
    return principal


class SecretRotation:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.changes = []
        self.before = {}
        self.after = {}
        retry = AWSRetry.jittered_backoff(catch_extra_error_codes=["ResourceConflictException"])
        self.secrets = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
        self.lam = module.client("lambda", retry_decorator=retry) if not self.params["managed"] or self.params["function_name"] else None
        self.rds = module.client("rds", retry_decorator=AWSRetry.jittered_backoff()) if self.params["rds_cluster_identifier"] else None

    # --- reads ---------------------------------------------------------------------------------
    def describe_secret(self, secret_id):
        try:
            return self.secrets.describe_secret(aws_retry=True, SecretId=secret_id)
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Couldn't describe secret {secret_id}")

    def describe_function(self):
        try:
            return self.lam.get_function(aws_retry=True, FunctionName=self.params["function_name"])
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Couldn't describe function {self.params['function_name']}")

    def describe_policy(self):
        try:
            return json.loads(self.lam.get_policy(aws_retry=True, FunctionName=self.params["function_name"])["Policy"])
        except is_boto3_error_code("ResourceNotFoundException"):
            return {"Statement": []}
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Couldn't read the policy of function {self.params['function_name']}")

    def describe_cluster(self):
        name = self.params["rds_cluster_identifier"]
        try:
            clusters = self.rds.describe_db_clusters(aws_retry=True, DBClusterIdentifier=name)["DBClusters"]
        except is_boto3_error_code("DBClusterNotFoundFault"):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Couldn't describe DB cluster {name}")
        return clusters[0] if clusters else None

    # --- helpers -------------------------------------------------------------------------------
    def change(self, what):
        self.changes.append(what)
        return not self.module.check_mode

    def wait_function_ready(self):
        deadline = time.monotonic() + self.params["wait_timeout"]
        while True:
            config = self.lam.get_function_configuration(aws_retry=True, FunctionName=self.params["function_name"])
            state, update = config.get("State", "Active"), config.get("LastUpdateStatus", "Successful")
            if state == "Failed" or update == "Failed":
                self.module.fail_json(msg=f"function {self.params['function_name']} is {state}/{update}: "
                                          f"{config.get('StateReason') or config.get('LastUpdateStatusReason')}")
            if state != "Pending" and update != "InProgress":
                return config
            if time.monotonic() > deadline:
                self.module.fail_json(msg=f"function {self.params['function_name']} was not ready within {self.params['wait_timeout']}s")
            time.sleep(2)

    def call_while_role_propagates(self, method, **kwargs):
        """Call a Lambda write that fails while IAM is still propagating a new role."""
        deadline = time.monotonic() + min(self.params["wait_timeout"], 120)
        while True:
            try:
                return method(aws_retry=True, **kwargs)
            except is_boto3_error_code("InvalidParameterValueException") as e:
                if not ROLE_NOT_READY.search(str(e)) or time.monotonic() > deadline:
                    raise
                time.sleep(5)

    # --- the function ----------------------------------------------------------------------------
    def ensure_function(self):
        params = self.params
        try:
            package = build_zip(params["source"])
        except (OSError, ValueError) as e:
            self.module.fail_json(msg=f"Couldn't package the rotation function from {params['source']}: {e}")
        sha = code_sha256(package)
        desired = desired_function_config(params)
        existing = self.describe_function()
        name = params["function_name"]
        self.after["function"] = dict(desired, CodeSha256=sha, Architectures=[params["architecture"]])

        if existing is None:
            self.before["function"] = None
            if self.change(f"create function {name}"):
                kwargs = dict(
                    FunctionName=name, Runtime=desired["Runtime"], Role=desired["Role"], Handler=desired["Handler"],
                    Code={"ZipFile": package}, Description=desired["Description"], Timeout=desired["Timeout"],
                    MemorySize=desired["MemorySize"], Environment=desired["Environment"], Publish=False,
                    Architectures=[params["architecture"]], Tags=params["tags"] or {},
                )
                if desired["Layers"]:
                    kwargs["Layers"] = desired["Layers"]
                if params["subnet_ids"]:
                    kwargs["VpcConfig"] = desired["VpcConfig"]
                try:
                    self.call_while_role_propagates(self.lam.create_function, **kwargs)
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    self.module.fail_json_aws(e, msg=f"Couldn't create function {name}")
                config = self.wait_function_ready()
                return config["FunctionArn"], sha
            return None, sha

        config = existing["Configuration"]
        current = current_function_config(config)
        self.before["function"] = dict(current, CodeSha256=config.get("CodeSha256"), Architectures=config.get("Architectures") or ["x86_64"])
        arn = config["FunctionArn"]

        differing = config_changes(current, desired)
        if differing and self.change(f"update function configuration ({', '.join(differing)})"):
            try:
                self.wait_function_ready()
                self.call_while_role_propagates(
                    self.lam.update_function_configuration, FunctionName=name,
                    **{key: desired[key] for key in differing})
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                self.module.fail_json_aws(e, msg=f"Couldn't update the configuration of function {name}")

        arch_differs = (config.get("Architectures") or ["x86_64"]) != [params["architecture"]]
        if (config.get("CodeSha256") != sha or arch_differs) and self.change(f"update function code of {name}"):
            try:
                self.wait_function_ready()
                self.lam.update_function_code(aws_retry=True, FunctionName=name, ZipFile=package,
                                              Architectures=[params["architecture"]], Publish=False)
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                self.module.fail_json_aws(e, msg=f"Couldn't update the code of function {name}")

        if params["tags"] is not None:
            current_tags = existing.get("Tags") or {}
            to_set, to_unset = compare_aws_tags(current_tags, params["tags"], params["purge_tags"])
            self.before["function"]["Tags"] = current_tags
            self.after["function"]["Tags"] = params["tags"] if params["purge_tags"] else dict(current_tags, **params["tags"])
            try:
                if to_unset and self.change(f"remove tags {', '.join(sorted(to_unset))} of {name}"):
                    self.lam.untag_resource(aws_retry=True, Resource=arn, TagKeys=to_unset)
                if to_set and self.change(f"set tags {', '.join(sorted(to_set))} of {name}"):
                    self.lam.tag_resource(aws_retry=True, Resource=arn, Tags=to_set)
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                self.module.fail_json_aws(e, msg=f"Couldn't tag function {name}")
        if any(c.startswith("update function") for c in self.changes) and not self.module.check_mode:
            self.wait_function_ready()
        return arn, sha

    def ensure_permission(self, secret_arn, statement_id, function_exists):
        name = self.params["function_name"]
        wanted = {"statement_id": statement_id, "source_arn": secret_arn}
        self.after["permission"] = wanted
        statements = self.describe_policy()["Statement"] if function_exists else []
        ours = [s for s in statements if s.get("Sid") == statement_id]
        found = ours[0] if ours else None
        self.before["permission"] = (
            {"statement_id": statement_id, "source_arn": statement_source_arn(found)} if found else None)
        if found and statement_source_arn(found) == secret_arn and statement_principal(found) == SECRETS_PRINCIPAL:
            return wanted
        if found:
            needed = self.change(f"replace invoke permission {statement_id} (it is scoped to another secret)")
        else:
            needed = self.change(f"grant {SECRETS_PRINCIPAL} invoke permission scoped to the secret")
        if needed:
            try:
                if found:
                    self.lam.remove_permission(aws_retry=True, FunctionName=name, StatementId=statement_id)
                self.lam.add_permission(aws_retry=True, FunctionName=name, StatementId=statement_id,
                                        Action="lambda:InvokeFunction", Principal=SECRETS_PRINCIPAL,
                                        SourceArn=secret_arn)
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                self.module.fail_json_aws(e, msg=f"Couldn't grant Secrets Manager permission to invoke {name}")
        return wanted

    # --- rotation --------------------------------------------------------------------------------
    def ensure_rotation(self, secret, function_arn, code_changed):
        rules = desired_rules(self.params)
        current_lambda = secret.get("RotationLambdaARN") or ""
        self.before["rotation"] = {"enabled": bool(secret.get("RotationEnabled")), "lambda_arn": current_lambda,
                                   "rules": secret.get("RotationRules") or {}}
        self.after["rotation"] = {"enabled": True, "lambda_arn": function_arn or ("" if self.params["managed"] else "(new function)"),
                                  "rules": dict(secret.get("RotationRules") or {}, **rules)}
        needed = (not secret.get("RotationEnabled")
                  or rules_differ(secret.get("RotationRules"), rules)
                  or (not self.params["managed"] and current_lambda != function_arn)
                  or (code_changed and self.params["rotate_immediately"]))
        if needed and self.change(f"set rotation of {secret['Name']} ({self.describe_rules(rules)})"):
            kwargs = dict(SecretId=secret["ARN"], RotationRules=rules, RotateImmediately=self.params["rotate_immediately"])
            if not self.params["managed"]:
                kwargs["RotationLambdaARN"] = function_arn
            try:
                self.secrets.rotate_secret(aws_retry=True, **kwargs)
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                self.module.fail_json_aws(e, msg=f"Couldn't set rotation of secret {secret['Name']}")

    @staticmethod
    def describe_rules(rules):
        if "ScheduleExpression" in rules:
            return rules["ScheduleExpression"]
        return f"every {rules['AutomaticallyAfterDays']} days"

    def ensure_managed_password(self):
        """Turn on ManageMasterUserPassword for the cluster; return its secret ARN (None in check mode before it exists)."""
        name = self.params["rds_cluster_identifier"]
        cluster = self.describe_cluster()
        if cluster is None:
            self.module.fail_json(msg=f"DB cluster {name} not found")
        secret = cluster.get("MasterUserSecret") or {}
        self.before["managed_master_user_password"] = bool(secret.get("SecretArn"))
        self.after["managed_master_user_password"] = True
        if secret.get("SecretArn"):
            return secret["SecretArn"]
        if not self.change(f"let RDS manage the master password of {name}"):
            return None
        kwargs = dict(DBClusterIdentifier=name, ManageMasterUserPassword=True, ApplyImmediately=True)
        if self.params["master_user_secret_kms_key_id"]:
            kwargs["MasterUserSecretKmsKeyId"] = self.params["master_user_secret_kms_key_id"]
        try:
            self.rds.modify_db_cluster(aws_retry=True, **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Couldn't turn on the RDS-managed master password of {name}")
        deadline = time.monotonic() + self.params["wait_timeout"]
        while True:
            secret = (self.describe_cluster() or {}).get("MasterUserSecret") or {}
            if secret.get("SecretArn") and secret.get("SecretStatus", "active") == "active":
                return secret["SecretArn"]
            if time.monotonic() > deadline:
                self.module.fail_json(msg=f"RDS did not create the master user secret of {name} within {self.params['wait_timeout']}s")
            time.sleep(5)

    # --- states ----------------------------------------------------------------------------------
    def ensure_present(self):
        params = self.params
        result = {}
        secret_id = params["secret_id"]
        if params["rds_cluster_identifier"]:
            secret_id = self.ensure_managed_password() or secret_id
            if secret_id is None:  # check mode, RDS would create the secret
                return dict(rotation_enabled=True, rotation_rules=self.snake_rules(desired_rules(params)))
        secret = self.describe_secret(secret_id)
        if secret is None:
            self.module.fail_json(msg=f"secret {secret_id} not found; create it before setting up its rotation")
        result["secret_arn"] = secret["ARN"]

        function_arn = None
        code_changed = False
        if not params["managed"]:
            function_arn, sha = self.ensure_function()
            code_changed = any(c.startswith(("create function", "update function code")) for c in self.changes)
            result["code_sha256"] = sha
            statement_id = params["statement_id"] or default_statement_id(secret["Name"])
            result["permission"] = self.ensure_permission(secret["ARN"], statement_id, function_arn is not None)
            result["function_arn"] = function_arn
        self.ensure_rotation(secret, function_arn, code_changed)

        if self.changes and not self.module.check_mode:
            secret = self.describe_secret(secret["ARN"])
            result["rotation_rules"] = self.snake_rules(secret.get("RotationRules") or {})
            result["rotation_enabled"] = bool(secret.get("RotationEnabled"))
            result["rotation_lambda_arn"] = secret.get("RotationLambdaARN") or ""
        else:
            result["rotation_rules"] = self.snake_rules(self.after["rotation"]["rules"])
            result["rotation_enabled"] = True
            result["rotation_lambda_arn"] = function_arn or ""
        return result

    def ensure_absent(self):
        params = self.params
        result = {"rotation_enabled": False}
        secret_id = params["secret_id"]
        if params["rds_cluster_identifier"]:
            cluster = self.describe_cluster()
            secret_id = ((cluster or {}).get("MasterUserSecret") or {}).get("SecretArn") or secret_id
        secret = self.describe_secret(secret_id) if secret_id else None
        function = self.describe_function() if params["function_name"] else None
        if secret is not None:
            result["secret_arn"] = secret["ARN"]
            self.before["rotation"] = {"enabled": bool(secret.get("RotationEnabled"))}
            self.after["rotation"] = {"enabled": False}
            ours = params["managed"] or function is None or secret.get("RotationLambdaARN") == function["Configuration"]["FunctionArn"]
            if secret.get("RotationEnabled") and ours and not secret.get("DeletedDate"):
                if self.change(f"turn rotation of {secret['Name']} off"):
                    try:
                        self.secrets.cancel_rotate_secret(aws_retry=True, SecretId=secret["ARN"])
                    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                        self.module.fail_json_aws(e, msg=f"Couldn't turn rotation of {secret['Name']} off")
        if function is not None:
            self.before["function"] = {"FunctionArn": function["Configuration"]["FunctionArn"]}
            self.after["function"] = None
            if self.change(f"delete function {params['function_name']}"):
                try:
                    self.lam.delete_function(aws_retry=True, FunctionName=params["function_name"])
                except is_boto3_error_code("ResourceNotFoundException"):
                    pass
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
                    self.module.fail_json_aws(e, msg=f"Couldn't delete function {params['function_name']}")
        return result

    @staticmethod
    def snake_rules(rules):
        names = {"AutomaticallyAfterDays": "automatically_after_days", "ScheduleExpression": "schedule_expression",
                 "Duration": "duration"}
        return {names.get(k, k): v for k, v in rules.items()}


def main():
    argument_spec = dict(
        secret_id=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        managed=dict(type="bool", default=False),
        rds_cluster_identifier=dict(type="str"),
        master_user_secret_kms_key_id=dict(type="str"),
        rotation_days=dict(type="int", default=30),
        schedule_expression=dict(type="str"),
        rotation_window=dict(type="str"),
        rotate_immediately=dict(type="bool", default=False),
        function_name=dict(type="str"),
        source=dict(type="list", elements="path"),
        handler=dict(type="str", default="lambda_function.lambda_handler"),
        runtime=dict(type="str", default="python3.12"),
        architecture=dict(type="str", choices=["x86_64", "arm64"], default="x86_64"),
        role_arn=dict(type="str"),
        description=dict(type="str", default="Rotates a Secrets Manager secret"),
        timeout=dict(type="int", default=30),
        memory_size=dict(type="int", default=128),
        environment=dict(type="dict", default={}),
        layers=dict(type="list", elements="str", default=[]),
        subnet_ids=dict(type="list", elements="str", default=[]),
        security_group_ids=dict(type="list", elements="str", default=[]),
        statement_id=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[("secret_id", "rds_cluster_identifier")],
        mutually_exclusive=[("function_name", "rds_cluster_identifier")],
        required_if=[("managed", False, ("function_name",))],
    )
    params = module.params
    if params["state"] == "present":
        if not 1 <= params["rotation_days"] <= 1000:
            module.fail_json(msg=f"rotation_days must be 1 to 1000; got {params['rotation_days']}")
        if not params["managed"] and not (params["source"] and params["role_arn"]):
            module.fail_json(msg="source and role_arn are required to set up rotation with a function (managed=false)")
        if params["schedule_expression"] and module.params.get("rotation_days") != 30:
            module.fail_json(msg="give either rotation_days or schedule_expression, not both")
        if params["subnet_ids"] and not params["security_group_ids"]:
            module.fail_json(msg="security_group_ids is required with subnet_ids")
    if params["rds_cluster_identifier"] and not params["managed"]:
        module.fail_json(msg="rds_cluster_identifier needs managed=true")

    manager = SecretRotation(module)
    result = manager.ensure_present() if params["state"] == "present" else manager.ensure_absent()
    changed = bool(manager.changes)
    module.exit_json(changed=changed, changes=manager.changes,
                     diff={"before": manager.before, "after": manager.after}, **result)


if __name__ == "__main__":
    main()
