# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the stack-wide checks (roles/preflight): offline facts about regions, profiles, tiers,
and one clear line for an endpoint that does not answer as AWS."""

from __future__ import annotations

import os

# The values CloudWatch Logs accepts for a log group's retention (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653)

# Roles of the collection that are not tiers.
NOT_TIERS = ("preflight", "outputs", "stack_lock")


def known_regions():
    """Every region that the installed botocore knows, in every partition (no API call)."""
    import botocore.loaders

    data = botocore.loaders.create_loader().load_data("endpoints")
    return sorted({region for partition in data["partitions"] for region in partition.get("regions", {})})


def aws_region_known(region, extra=None):
    return isinstance(region, str) and (region in known_regions() or region in (extra or []))


def known_profiles(group_vars_dirs):
    """Profile names found as group_vars/profile_<name>.yml (or .yaml, or a folder) in the given folders."""
    if isinstance(group_vars_dirs, str):
        group_vars_dirs = [group_vars_dirs]
    names = set()
    for folder in group_vars_dirs or []:
        if not folder or not os.path.isdir(folder):
            continue
        for entry in os.listdir(folder):
            if not entry.startswith("profile_"):
                continue
            name, ext = os.path.splitext(entry[len("profile_"):])
            if os.path.isdir(os.path.join(folder, entry)) or ext in (".yml", ".yaml", ".json"):
                names.add(name if ext in (".yml", ".yaml", ".json") else entry[len("profile_"):])
    return sorted(names)


def tier_roles(roles_dir):
    """Roles that are tiers: those with a tasks/validate.yml, other than the stack-wide helpers."""
    if not roles_dir or not os.path.isdir(roles_dir):
        return []
    return sorted(
        name for name in os.listdir(roles_dir)
        if name not in NOT_TIERS and os.path.isfile(os.path.join(roles_dir, name, "tasks", "validate.yml"))
    )


def valid_log_retention(days):
    try:
        return int(days) in LOG_RETENTION_DAYS and str(days).strip().lstrip("-").isdigit()
    except (TypeError, ValueError):
        return False


def endpoint_unreachable(endpoint="", region=""):
    """The line for an endpoint that no connection reaches (refused, timed out, unknown host)."""
    where = endpoint or f"the AWS endpoints of {region}"
    return (f"The AWS endpoint {where} cannot be reached (no connection). Start the emulator "
            f"(python -m tierstack.emulator up) or check AWS_ENDPOINT_URL, the network and the region {region}.")


def endpoint_failure(result, endpoint="", region=""):
    """One clear line for a failed STS GetCallerIdentity: unreachable, no credentials, rejected, not AWS."""
    result = result or {}
    text = " ".join(str(result.get(k, "")) for k in ("msg", "exception", "module_stderr", "module_stdout", "error"))
    where = endpoint or f"the AWS endpoints of {region}"
    if any(sign in text for sign in ("Could not connect to the endpoint", "EndpointConnectionError", "Connection refused",
                                     "Connect timeout", "Name or service not known", "ConnectTimeoutError")):
        return endpoint_unreachable(endpoint, region)
    if any(sign in text for sign in ("Unable to locate credentials", "NoCredentialsError", "PartialCredentialsError",
                                     "The config profile", "ProfileNotFound")):
        return (f"No AWS credentials were found for {where}: set AWS_PROFILE (or tierstack_aws_profile), "
                f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where an instance or task role applies.")
    if any(sign in text for sign in ("InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken",
                                     "UnrecognizedClientException", "AccessDenied", "security token")):
        return f"The AWS credentials were rejected by {where} (STS GetCallerIdentity): renew or replace them."
    first = " ".join(str(result.get("msg", "")).split())[:160]
    return (f"The endpoint {where} does not answer as the AWS API (STS GetCallerIdentity failed: {first}). "
            f"Check AWS_ENDPOINT_URL (or tierstack_endpoint_url) and the region {region}.")


class FilterModule:
    def filters(self):
        return {
            "known_regions": lambda _=None: known_regions(),
            "aws_region_known": aws_region_known,
            "known_profiles": known_profiles,
            "tier_roles": tier_roles,
            "valid_log_retention": valid_log_retention,
            "log_retention_values": lambda _=None: list(LOG_RETENTION_DAYS),
            "endpoint_failure": endpoint_failure,
            "endpoint_unreachable": endpoint_unreachable,
        }
