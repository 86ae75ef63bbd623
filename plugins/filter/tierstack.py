# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small pure filters shared by the tierstack roles."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

# AWS name length limits for the resources the roles create.
NAME_LIMITS = {
    "alb": 32,
    "target_group": 32,
    "rds_cluster": 63,
    "rds_instance": 63,
    "db_subnet_group": 255,
    "lambda": 64,
    "iam_role": 64,
    "security_group": 255,
    "ecs_cluster": 255,
    "ecs_service": 255,
    "ecr_repository": 256,
    "secret": 512,
    "log_group": 512,
    "waf_web_acl": 128,
    "dashboard": 255,
    "api": 1024,
    "usage_plan": 1024,
    "cache_policy": 128,
    "generic": 255,
}

SUFFIX_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def resource_name(base, suffix, kind="generic"):
    """Return ``<base>-<suffix>``, failing if it exceeds the AWS limit for ``kind``.

    ``kind`` is a key of NAME_LIMITS or a number of characters.
    """
    if not base or not suffix:
        raise AnsibleFilterError("resource_name needs a non-empty base and suffix")
    if isinstance(kind, int):
        limit = kind
    else:
        try:
            limit = NAME_LIMITS[kind]
        except KeyError:
            raise AnsibleFilterError(f"resource_name: unknown kind {kind!r}; use one of {sorted(NAME_LIMITS)} or a number")
    name = f"{base}-{suffix}"
    if len(name) > limit:
        raise AnsibleFilterError(
            f"the {kind} name {name!r} has {len(name)} characters, over the AWS limit of {limit}; use a shorter suffix"
        )
    return name


def valid_suffix(suffix, max_length=16):
    """True when ``suffix`` is lowercase letters, digits and single inner hyphens, within max_length."""
    return isinstance(suffix, str) and 0 < len(suffix) <= int(max_length) and bool(SUFFIX_RE.match(suffix))


def subnet_cidrs(cidr, prefix, start, count):
    """The ``count`` consecutive /``prefix`` subnets of ``cidr``, from block index ``start``.

    Raises an error when the block does not hold them, so callers can check capacity first
    with ``subnet_capacity``.
    """
    net = ipaddress.ip_network(cidr, strict=True)
    prefix, start, count = int(prefix), int(start), int(count)
    if prefix < net.prefixlen:
        raise AnsibleFilterError(f"subnet prefix /{prefix} is larger than the block {cidr}")
    total = 2 ** (prefix - net.prefixlen)
    if start < 0 or start + count > total:
        raise AnsibleFilterError(f"{cidr} holds {total} /{prefix} subnets; {start + count} were asked for")
    first = int(net.network_address)
    size = 2 ** (net.max_prefixlen - prefix)
    return [str(ipaddress.ip_network((first + (start + i) * size, prefix))) for i in range(count)]


def subnet_capacity(cidr, prefix):
    """How many /``prefix`` subnets ``cidr`` holds (0 if the prefix is shorter than the block's or the CIDR is invalid)."""
    try:
        net = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        return 0
    prefix = int(prefix)
    if prefix < net.prefixlen or prefix > net.max_prefixlen:
        return 0
    return 2 ** (prefix - net.prefixlen)


def valid_cidr(cidr):
    """True for an IPv4 network in canonical form, such as 10.0.0.0/16."""
    try:
        return isinstance(cidr, str) and ipaddress.ip_network(cidr, strict=True).version == 4
    except ValueError:
        return False


class FilterModule:
    def filters(self):
        return {
            "resource_name": resource_name,
            "valid_suffix": valid_suffix,
            "subnet_cidrs": subnet_cidrs,
            "subnet_capacity": subnet_capacity,
            "valid_cidr": valid_cidr,
        }
