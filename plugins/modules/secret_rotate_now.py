#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secret_rotate_now
short_description: Start an immediate rotation of a Secrets Manager secret, and optionally wait for it
version_added: 0.1.0
description:
  - Calls C(RotateSecret) on a secret whose rotation is already set up (by a rotation Lambda, or by the
    service that owns the secret, such as an RDS-managed master user secret), so that it rotates now
    instead of at its next scheduled time. No upstream module starts a rotation on demand.
  - With O(wait=true) the module waits until the new version is labelled C(AWSCURRENT).
  - The module never reads or returns a secret value.
  - Each run that is not in check mode starts a rotation, so it always reports a change. In check mode it
    reports what it would do and makes no write call.
author:
  - tierstack maintainers (@tierstack)
options:
  secret_id:
    description:
      - Name or ARN of the secret.
    type: str
    required: true
  wait:
    description:
      - Wait until the rotation has moved C(AWSCURRENT) to the new version.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for the rotation.
    type: int
    default: 300
notes:
  - The secret must have rotation enabled; set it up first (the rds_aurora role does, with
    tierstack.aws.secret_rotation).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Rotate the stack's database secret now
  tierstack.aws.secret_rotate_now:
    secret_id: db-credentials-dev1

- name: Start a rotation and return at once
  tierstack.aws.secret_rotate_now:
    secret_id: "{{ tierstack_outputs.DBSecretArn }}"
    wait: false
"""

RETURN = r"""
secret_arn:
  description: ARN of the secret.
  returned: success
  type: str
  sample: arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:db-credentials-dev1-AbCdEf
version_id:
  description: Id of the version the rotation created. Not returned in check mode.
  returned: when a rotation was started
  type: str
previous_version_id:
  description: Id of the version that was AWSCURRENT before the rotation.
  returned: success
  type: str
version_stages:
  description: The secret's version ids and their staging labels after the call.
  returned: success
  type: dict
rotated:
  description: Whether the new version is AWSCURRENT (always false when O(wait=false)).
  returned: success
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.secretsmanager import current_version
from ansible_collections.tierstack.aws.plugins.module_utils.secretsmanager import describe_secret
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import WaitTimeout
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import poll


def rotation_ready(secret):
    """None when the secret can be rotated now, else the reason it cannot."""
    if not secret.get("RotationEnabled"):
        return "rotation is not enabled for this secret; set it up first (tierstack.aws.secret_rotation)"
    return None


def ensure_rotated(client, module, secret):
    """Start the rotation, then wait for AWSCURRENT to move when asked to."""
    try:
        # No RotationLambdaARN or RotationRules: rotate now with the secret's own rotation settings.
        response = client.rotate_secret(aws_retry=True, SecretId=secret["ARN"])
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't start the rotation of secret {secret['Name']}")
    version_id = response.get("VersionId")
    if not module.params["wait"]:
        return version_id, describe_secret(module, client, secret["ARN"]), False

    # Secrets Manager has no waiter for a rotation: poll until AWSCURRENT labels the new version.
    def rotated():
        latest = describe_secret(module, client, secret["ARN"])
        return latest if latest and current_version(latest) == version_id else None

    try:
        return version_id, poll(rotated, module.params["wait_timeout"], 5), True
    except WaitTimeout:
        latest = describe_secret(module, client, secret["ARN"])
        module.fail_json(
            msg=(
                f"The rotation of secret {secret['Name']} did not finish within {module.params['wait_timeout']}s; "
                "AWSCURRENT still labels the previous version. Check the rotation function's logs."
            ),
            secret_arn=secret["ARN"],
            version_id=version_id,
            version_stages=(latest or {}).get("VersionIdsToStages", {}),
        )


def main():
    argument_spec = dict(
        secret_id=dict(type="str", required=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())

    secret = describe_secret(module, client, module.params["secret_id"])
    if secret is None:
        module.fail_json(msg=f"Secret {module.params['secret_id']} does not exist")
    reason = rotation_ready(secret)
    if reason:
        module.fail_json(msg=f"Can't rotate secret {secret['Name']}: {reason}", secret_arn=secret["ARN"])
    previous = current_version(secret)
    result = dict(
        changed=True,
        secret_arn=secret["ARN"],
        previous_version_id=previous,
        diff=dict(before=dict(current_version=previous), after=dict(current_version="(new version)")),
    )
    if module.check_mode:
        module.exit_json(version_stages=secret.get("VersionIdsToStages", {}), rotated=False, **result)
    version_id, latest, rotated = ensure_rotated(client, module, secret)
    result["diff"]["after"]["current_version"] = version_id if rotated else previous
    module.exit_json(
        version_id=version_id,
        version_stages=(latest or {}).get("VersionIdsToStages", {}),
        rotated=rotated,
        **result,
    )


if __name__ == "__main__":
    main()
