#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: acm_requested_certificate
short_description: Request a DNS-validated public ACM certificate, found again by its Name tag
version_added: 1.1.0
description:
  - Requests a public certificate from AWS Certificate Manager for O(domain_name) (and
    O(subject_alternative_names)) with DNS validation, tagged C(Name=)O(name) and O(tags). A later run finds
    the certificate by that tag and requests nothing; tags are reconciled.
  - A certificate whose domain names differ from the ones asked for is replaced by a new request (ACM cannot
    change them); the old one is deleted unless it is in use.
  - With O(wait), waits until ACM has issued the certificate (a load balancer listener only accepts an issued
    certificate). ACM issues it once the CNAME records returned in RV(validation_records) exist in the
    domain's DNS.
  - C(community.aws.acm_certificate) imports certificates but does not request them.
  - Supports check mode.
options:
  name:
    description: Value of the certificate's C(Name) tag, which identifies it.
    type: str
    required: true
  domain_name:
    description: The certificate's domain name. Required when O(state=present).
    type: str
  subject_alternative_names:
    description: Further names the certificate covers.
    type: list
    elements: str
    default: []
  wait:
    description: Wait until the certificate is issued.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the certificate to be issued.
    type: int
    default: 300
  state:
    description: V(present) requests the certificate, V(absent) deletes the certificates tagged with O(name).
    type: str
    choices: [present, absent]
    default: present
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.tags
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Request the load balancer's certificate
  tierstack.aws.acm_requested_certificate:
    name: alb-cert-demo
    domain_name: api.example.com
    wait_timeout: 600
    tags:
      Environment: demo
"""

RETURN = r"""
certificate_arn:
  description: ARN of the certificate (absent in check mode before it exists).
  returned: when state is present
  type: str
status:
  description: The certificate's status, such as C(ISSUED) or C(PENDING_VALIDATION).
  returned: when state is present
  type: str
validation_records:
  description: The DNS records ACM validates the domain names with (name, type, value).
  returned: when state is present
  type: list
  elements: dict
"""

import uuid

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import get_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import normalise_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import boto3_wait


def certificate_names(cert):
    """The domain names a described certificate covers, its own name first."""
    names = [cert["DomainName"]] + [n for n in cert.get("SubjectAlternativeNames") or [] if n != cert["DomainName"]]
    return [names[0]] + sorted(set(names[1:]))


def wanted_names(domain_name, alternatives):
    return [domain_name] + sorted(set(alternatives or []) - {domain_name})


def validation_records(cert):
    out = []
    for option in cert.get("DomainValidationOptions") or []:
        record = option.get("ResourceRecord")
        if record:
            out.append({"domain_name": option["DomainName"], "name": record["Name"], "type": record["Type"], "value": record["Value"]})
    return out


def describe_tagged(module, client, name):
    """The certificates whose Name tag is ``name``, described."""
    found = []
    for summary in paginate_items(client, "list_certificates", "CertificateSummaryList"):
        arn = summary["CertificateArn"]
        if get_tags(module, client, "acm", arn).get("Name") == name:
            found.append(client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"])
    return found


def ensure_present(module, client):
    p = module.params
    tags = dict(normalise_tags(p["tags"]) or {}, Name=p["name"])
    want = wanted_names(p["domain_name"], p["subject_alternative_names"])
    try:
        certs = describe_tagged(module, client, p["name"])
        current = next((c for c in certs if certificate_names(c) == want and c["Status"] not in ("FAILED", "REVOKED", "EXPIRED")), None)
        stale = [c for c in certs if c is not current and not c.get("InUseBy")]
        changed = bool(stale) or current is None
        if module.check_mode:
            result = {"changed": changed, "validation_records": validation_records(current) if current else [],
                      "status": current["Status"] if current else "PENDING_VALIDATION"}
            if current:
                result["certificate_arn"] = current["CertificateArn"]
            module.exit_json(**result)
        if current is None:
            kwargs = {
                "DomainName": p["domain_name"],
                "ValidationMethod": "DNS",
                "IdempotencyToken": uuid.uuid4().hex[:32],
                "Tags": create_tags("acm", tags),
            }
            if len(want) > 1:
                kwargs["SubjectAlternativeNames"] = want
            arn = client.request_certificate(aws_retry=True, **kwargs)["CertificateArn"]
        else:
            arn = current["CertificateArn"]
            changed |= reconcile_tags(module, client, "acm", arn, tags, p["purge_tags"]).changed
        for cert in stale:
            client.delete_certificate(aws_retry=True, CertificateArn=cert["CertificateArn"])
        cert = client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]
        if p["wait"] and cert["Status"] != "ISSUED":
            try:
                boto3_wait(client, "certificate_validated", p["wait_timeout"], 10, CertificateArn=arn)
            except Exception:  # pylint: disable=broad-except
                cert = client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]
                module.fail_json(
                    msg=(f"ACM has not issued the certificate {arn} for {', '.join(want)} within {p['wait_timeout']} s "
                         f"(status {cert['Status']}): create the DNS validation records {validation_records(cert)} "
                         "in the domain's zone, then run again"),
                    certificate_arn=arn,
                    status=cert["Status"],
                    validation_records=validation_records(cert),
                    changed=changed,
                )
            cert = client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't request the certificate for {p['domain_name']}")
    module.exit_json(changed=changed, certificate_arn=arn, status=cert["Status"], validation_records=validation_records(cert))


def ensure_absent(module, client):
    p = module.params
    try:
        certs = describe_tagged(module, client, p["name"])
        if certs and not module.check_mode:
            for cert in certs:
                client.delete_certificate(aws_retry=True, CertificateArn=cert["CertificateArn"])
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't delete the certificate tagged Name={p['name']}")
    module.exit_json(changed=bool(certs), deleted=[c["CertificateArn"] for c in certs])


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            domain_name=dict(type="str"),
            subject_alternative_names=dict(type="list", elements="str", default=[]),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=300),
            **TAG_ARGUMENT_SPEC,
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["domain_name"])],
        supports_check_mode=True,
    )
    client = module.client("acm", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
