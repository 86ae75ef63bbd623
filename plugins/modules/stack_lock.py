#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_lock
short_description: Take or release a stack's lock, an SSM parameter created only if absent
version_added: 1.1.0
description:
  - Serialises the runs that write to one stack, wherever they run (a laptop, AWX, CI), with a lock
    kept in the account, as Terraform's DynamoDB lock does.
  - The lock is an SSM String parameter (by default C(/tierstack/<suffix>/lock)) whose value is a JSON
    document naming the holder (run id, user, host, what it runs, since when, lease).
    It is created with C(PutParameter) without C(Overwrite), which AWS performs only when the parameter
    does not exist (C(ParameterAlreadyExists) otherwise); this conditional create means two runs cannot both take it.
  - V(present) takes the lock. When another run holds it, the module polls until O(wait_timeout) seconds
    have passed, then fails with a message naming the holder. A lock held by the same O(run_id) is kept
    (re-entrant).
  - V(absent) releases the lock, but only when O(run_id) holds it; it never removes another run's lock
    unless O(force=true) (the explicit way to break a stale lock, see C(playbooks/unlock.yml)).
  - In check mode nothing is written and no lock is taken; the module reports who holds the lock, if anyone.
options:
  name:
    description: Name of the SSM parameter that is the lock. Keep C(lock) as the last path element.
    type: str
    required: true
  state:
    description: V(present) takes the lock, V(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
  run_id:
    description: Identifies this run; the holder of a lock must give the same id to release it.
    type: str
    required: true
  operation:
    description: What the run does (for example C(site.yml vpc,rds_aurora)), recorded in the lock.
    type: str
    default: ''
  holder:
    description: Extra facts about the holder recorded in the lock (for example an AWX job id).
    type: dict
    default: {}
  wait_timeout:
    description: Seconds to wait for another run's lock to be released before failing. V(0) fails at once.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two attempts while waiting.
    type: int
    default: 5
  lease:
    description:
      - Seconds after which the lock counts as stale (its holder presumably gone). A stale lock is only
        reported as such; it is never broken without O(force).
    type: int
    default: 7200
  force:
    description: With V(absent), remove the lock whoever holds it. With V(present), replace a lock held by another run.
    type: bool
    default: false
  unlock_hint:
    description: Appended to the failure message when the wait times out (how to break a stale lock).
    type: str
    default: If that run is gone, remove the lock parameter, or run again with force=true.
  tags:
    description: Tags of the lock parameter (set when it is created).
    type: dict
    default: {}
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Take the stack's lock (waits up to 10 minutes for another run)
  tierstack.aws.stack_lock:
    name: /tierstack/dev1/lock
    run_id: "{{ tierstack_run_id }}"
    operation: site.yml
    wait_timeout: 600

- name: Release it
  tierstack.aws.stack_lock:
    name: /tierstack/dev1/lock
    run_id: "{{ tierstack_run_id }}"
    state: absent

- name: Break a stale lock
  tierstack.aws.stack_lock:
    name: /tierstack/dev1/lock
    run_id: operator
    state: absent
    force: true
"""

RETURN = r"""
acquired:
  description: Whether this run holds the lock after the call (never true in check mode).
  returned: always
  type: bool
released:
  description: Whether the call removed the lock.
  returned: always
  type: bool
holder:
  description: The lock's document (run_id, user, host, operation, since, lease_seconds) as read or written; empty when nobody holds it.
  returned: always
  type: dict
waited:
  description: Seconds spent waiting for another run's lock.
  returned: always
  type: float
stale:
  description: Whether the holder's lease has passed.
  returned: always
  type: bool
"""

import datetime
import getpass
import json
import socket
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def lock_document(run_id, operation, holder, lease):
    try:
        user = getpass.getuser()
    except Exception:  # pylint: disable=broad-except
        user = "unknown"
    doc = {
        "run_id": run_id,
        "user": user,
        "host": socket.gethostname(),
        "operation": operation,
        "since": now_utc().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lease_seconds": lease,
    }
    doc.update({k: str(v) for k, v in (holder or {}).items()})
    return doc


def parse_document(value):
    try:
        doc = json.loads(value)
        return doc if isinstance(doc, dict) else {"raw": value}
    except ValueError:
        return {"raw": value}


def is_stale(doc, at=None):
    """True when the holder's lease has passed (a document without a readable date counts as stale)."""
    try:
        since = datetime.datetime.strptime(doc["since"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        lease = int(doc.get("lease_seconds", 0))
    except (KeyError, TypeError, ValueError):
        return True
    return ((at or now_utc()) - since).total_seconds() > lease


def describe_holder(doc):
    if "raw" in doc:
        return f"an unreadable lock value {doc['raw'][:200]!r}"
    extra = ", ".join(f"{k}={v}" for k, v in sorted(doc.items())
                      if k not in ("run_id", "user", "host", "operation", "since", "lease_seconds"))
    text = (f"{doc.get('user', '?')}@{doc.get('host', '?')} (run {doc.get('run_id', '?')}), "
            f"running '{doc.get('operation', '')}' since {doc.get('since', '?')}")
    return text + (f", {extra}" if extra else "")


class StackLock:
    def __init__(self, module):
        self.module = module
        self.client = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())
        self.name = module.params["name"]

    def read(self):
        """The current lock document, or None when nobody holds it."""
        try:
            value = self.client.get_parameter(aws_retry=True, Name=self.name)["Parameter"]["Value"]
        except is_boto3_error_code("ParameterNotFound"):
            return None
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Couldn't read the stack lock {self.name}")
        return parse_document(value)

    def create(self, doc, overwrite=False):
        """True when the conditional create succeeded (the lock is ours), False when it already exists."""
        kwargs = dict(Name=self.name, Value=json.dumps(doc, sort_keys=True), Type="String",
                      Description="tierstack stack lock: the run named in the value is writing to the stack")
        if overwrite:
            kwargs["Overwrite"] = True
        elif self.module.params["tags"]:
            kwargs["Tags"] = ansible_dict_to_boto3_tag_list({k: str(v) for k, v in self.module.params["tags"].items()})
        try:
            # Throttling and 5xx are retried; a lost answer to a create that did happen comes back as
            # ParameterAlreadyExists, and the read that follows then finds our own run_id.
            self.client.put_parameter(aws_retry=True, **kwargs)
            return True
        except is_boto3_error_code("ParameterAlreadyExists"):
            return False
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Couldn't create the stack lock {self.name}")

    def delete(self):
        try:
            self.client.delete_parameter(aws_retry=True, Name=self.name)
        except is_boto3_error_code("ParameterNotFound"):
            pass
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Couldn't release the stack lock {self.name}")


def acquire(module, lock):
    params = module.params
    run_id = params["run_id"]
    result = dict(changed=False, acquired=False, released=False, holder={}, waited=0.0, stale=False)
    current = lock.read()
    if module.check_mode:
        result["holder"] = current or {}
        result["stale"] = bool(current) and is_stale(current)
        module.exit_json(**result)
    started = time.monotonic()
    doc = lock_document(run_id, params["operation"], params["holder"], params["lease"])
    while True:
        if current is not None and current.get("run_id") == run_id:
            result.update(acquired=True, holder=current, waited=round(time.monotonic() - started, 1))
            module.exit_json(**result)
        if current is not None and params["force"]:
            lock.create(doc, overwrite=True)
            result.update(changed=True, acquired=True, holder=doc, waited=round(time.monotonic() - started, 1))
            module.exit_json(**result)
        if current is None:
            if lock.create(doc):
                result.update(changed=True, acquired=True, holder=doc, waited=round(time.monotonic() - started, 1))
                module.exit_json(**result)
            current = lock.read()  # someone else won the race (or our lost create did happen)
            continue
        waited = time.monotonic() - started
        if waited >= params["wait_timeout"]:
            stale = is_stale(current)
            lease = f" Its lease of {current.get('lease_seconds', '?')} s has passed." if stale else ""
            module.fail_json(
                msg=(f"The stack lock {lock.name} is held by {describe_holder(current)}; "
                     f"waited {int(waited)} s for it.{lease} {params['unlock_hint']}"),
                acquired=False, released=False, holder=current, waited=round(waited, 1), stale=stale,
            )
        time.sleep(min(params["poll_interval"], max(params["wait_timeout"] - waited, 0.1)))
        current = lock.read()


def release(module, lock):
    params = module.params
    result = dict(changed=False, acquired=False, released=False, holder={}, waited=0.0, stale=False)
    current = lock.read()
    if current is None:
        module.exit_json(**result)
    result["holder"] = current
    result["stale"] = is_stale(current)
    if current.get("run_id") != params["run_id"] and not params["force"]:
        # Another run holds it (ours was broken and retaken): leave it alone.
        module.exit_json(**result)
    if not module.check_mode:
        lock.delete()
    result.update(changed=True, released=not module.check_mode)
    module.exit_json(**result)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            run_id=dict(type="str", required=True),
            operation=dict(type="str", default=""),
            holder=dict(type="dict", default={}),
            wait_timeout=dict(type="int", default=600),
            poll_interval=dict(type="int", default=5),
            lease=dict(type="int", default=7200),
            force=dict(type="bool", default=False),
            tags=dict(type="dict", default={}),
            unlock_hint=dict(type="str", default="If that run is gone, remove the lock parameter, or run again with force=true."),
        ),
        supports_check_mode=True,
    )
    if module.params["wait_timeout"] < 0 or module.params["poll_interval"] < 1:
        module.fail_json(msg="wait_timeout must be >= 0 and poll_interval >= 1")
    lock = StackLock(module)
    if module.params["state"] == "present":
        acquire(module, lock)
    else:
        release(module, lock)


if __name__ == "__main__":
    main()
