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
  - tierstack maintainers (@tierstack)
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
      - Every 30 days when neither O(rotation_days) nor O(schedule_expression) is given.
      - Mutually exclusive with O(schedule_expression).
    type: int
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
  wait_timeout:
    description: Seconds to wait for the function (or an RDS-managed secret) to become ready.
    type: int
    default: 300
notes:
  - The zip is stored without compression, so a package with vendored binary wheels is larger than a
    deflated one; the 50 MB limit of a direct upload still leaves ample room for C(psycopg[binary]).
  - On AWS, a new IAM role can take a few seconds before Lambda may assume it; the module retries for that.
extends_documentation_fragment:
  - amazon.aws.tags
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

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.lambda_function import delete_function
from ansible_collections.tierstack.aws.plugins.module_utils.lambda_function import describe_function
from ansible_collections.tierstack.aws.plugins.module_utils.lambda_function import ensure_function
from ansible_collections.tierstack.aws.plugins.module_utils.lambda_permission import default_statement_id
from ansible_collections.tierstack.aws.plugins.module_utils.lambda_permission import ensure_permission
from ansible_collections.tierstack.aws.plugins.module_utils.rds_managed_password import describe_cluster
from ansible_collections.tierstack.aws.plugins.module_utils.rds_managed_password import ensure_managed_password
from ansible_collections.tierstack.aws.plugins.module_utils.rds_managed_password import managed_secret_arn
from ansible_collections.tierstack.aws.plugins.module_utils.rotation_schedule import cancel_rotation
from ansible_collections.tierstack.aws.plugins.module_utils.rotation_schedule import desired_rules
from ansible_collections.tierstack.aws.plugins.module_utils.rotation_schedule import ensure_rotation
from ansible_collections.tierstack.aws.plugins.module_utils.rotation_schedule import snake_rules
from ansible_collections.tierstack.aws.plugins.module_utils.secretsmanager import describe_secret
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC

# The module puts the pieces together; each job is a module_utils file:
#   lambda_function.py       package the source, create/update the function, wait until it is ready
#   lambda_permission.py     Secrets Manager's invoke permission, scoped to the secret
#   rotation_schedule.py     the RotationRules and turning rotation on or off
#   rds_managed_password.py  ManageMasterUserPassword on an Aurora cluster (managed=true)


class SecretRotation:
    """The clients, and what was (or, in check mode, would be) changed, with the diff's before and after."""

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

    def change(self, what):
        """Record a change; True when it is to be made (not in check mode)."""
        self.changes.append(what)
        return not self.module.check_mode

    def describe_secret(self, secret_id):
        return describe_secret(self.module, self.secrets, secret_id)

    def ensure_present(self):
        params = self.params
        result = {}
        secret_id = params["secret_id"]
        if params["rds_cluster_identifier"]:
            secret_id = ensure_managed_password(self) or secret_id
            if secret_id is None:  # check mode, RDS would create the secret
                return dict(rotation_enabled=True, rotation_rules=snake_rules(desired_rules(params)))
        secret = self.describe_secret(secret_id)
        if secret is None:
            self.module.fail_json(msg=f"secret {secret_id} not found; create it before setting up its rotation")
        result["secret_arn"] = secret["ARN"]

        function_arn = None
        code_changed = False
        if not params["managed"]:
            function_arn, sha = ensure_function(self)
            code_changed = any(c.startswith(("create function", "update function code")) for c in self.changes)
            result["code_sha256"] = sha
            statement_id = params["statement_id"] or default_statement_id(secret["Name"])
            result["permission"] = ensure_permission(self, secret["ARN"], statement_id, function_arn is not None)
            result["function_arn"] = function_arn
        ensure_rotation(self, secret, function_arn, code_changed)

        if self.changes and not self.module.check_mode:
            secret = self.describe_secret(secret["ARN"])
            result["rotation_rules"] = snake_rules(secret.get("RotationRules") or {})
            result["rotation_enabled"] = bool(secret.get("RotationEnabled"))
            result["rotation_lambda_arn"] = secret.get("RotationLambdaARN") or ""
        else:
            result["rotation_rules"] = snake_rules(self.after["rotation"]["rules"])
            result["rotation_enabled"] = True
            result["rotation_lambda_arn"] = function_arn or ""
        return result

    def ensure_absent(self):
        params = self.params
        result = {"rotation_enabled": False}
        secret_id = params["secret_id"]
        if params["rds_cluster_identifier"]:
            secret_id = managed_secret_arn(describe_cluster(self)) or secret_id
        secret = self.describe_secret(secret_id) if secret_id else None
        function = describe_function(self) if params["function_name"] else None
        if secret is not None:
            result["secret_arn"] = secret["ARN"]
            self.before["rotation"] = {"enabled": bool(secret.get("RotationEnabled"))}
            self.after["rotation"] = {"enabled": False}
            ours = params["managed"] or function is None or secret.get("RotationLambdaARN") == function["Configuration"]["FunctionArn"]
            if secret.get("RotationEnabled") and ours and not secret.get("DeletedDate"):
                cancel_rotation(self, secret)
        if function is not None:
            self.before["function"] = {"FunctionArn": function["Configuration"]["FunctionArn"]}
            self.after["function"] = None
            delete_function(self)
        return result


def main():
    argument_spec = dict(
        secret_id=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        managed=dict(type="bool", default=False),
        rds_cluster_identifier=dict(type="str"),
        master_user_secret_kms_key_id=dict(type="str"),
        rotation_days=dict(type="int"),
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
        **TAG_ARGUMENT_SPEC,
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[("secret_id", "rds_cluster_identifier")],
        mutually_exclusive=[("function_name", "rds_cluster_identifier"), ("rotation_days", "schedule_expression")],
        required_if=[("managed", False, ("function_name",))],
    )
    params = module.params
    if params["state"] == "present":
        if params["rotation_days"] is not None and not 1 <= params["rotation_days"] <= 1000:
            module.fail_json(msg=f"rotation_days must be 1 to 1000; got {params['rotation_days']}")
        if not params["managed"] and not (params["source"] and params["role_arn"]):
            module.fail_json(msg="source and role_arn are required to set up rotation with a function (managed=false)")
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
