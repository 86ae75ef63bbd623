# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure filters of the data tier (rds_aurora role): RDS identifiers, instance plans, SSM paths."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

RDS_IDENTIFIER_MAX = 63
RDS_IDENTIFIER_RE = re.compile(r"^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$|^[a-z]$")
SSM_PATH_RE = re.compile(r"^(/[A-Za-z0-9_.-]+)+/$")
SSM_PATH_MAX = 1011
SSM_PATH_LEVELS = 15
# Aurora Serverless v2 capacity: 0 (auto-pause, newer engine versions) to 256 ACUs, in steps of 0.5.
ACU_MIN = 0.0
ACU_MAX = 256.0
DB_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")


def valid_rds_identifier(name):
    """True for a valid RDS cluster or instance identifier: 1-63 lowercase letters, digits and
    hyphens, starting with a letter, not ending with a hyphen and with no two hyphens in a row."""
    return isinstance(name, str) and len(name) <= RDS_IDENTIFIER_MAX and bool(RDS_IDENTIFIER_RE.match(name))


def rds_identifier(base, suffix, reserve=0):
    """``<base>-<suffix>`` as an RDS identifier, failing clearly when it is not a valid one.

    ``reserve`` keeps that many characters free for what is appended later (for example
    ``-<n>`` for the instances of a cluster).
    """
    if not base or not suffix:
        raise AnsibleFilterError("rds_identifier needs a non-empty base and suffix")
    name = f"{base}-{suffix}".lower()
    limit = RDS_IDENTIFIER_MAX - int(reserve)
    if len(name) > limit:
        raise AnsibleFilterError(
            f"the RDS identifier {name!r} has {len(name)} characters; at most {limit} fit "
            f"(63, less {int(reserve)} kept for instance numbers). Use a shorter base or suffix")
    if not valid_rds_identifier(name):
        raise AnsibleFilterError(
            f"{name!r} is not a valid RDS identifier: use lowercase letters, digits and single hyphens, "
            "starting with a letter and not ending with a hyphen")
    return name


def aurora_instances(cluster_identifier, reader_count, instance_class="db.serverless"):
    """The instances of an Aurora cluster: one writer, then ``reader_count`` readers.

    Each item has ``identifier`` (``<cluster>-1``, ``<cluster>-2``...), ``role`` (writer or reader),
    ``promotion_tier`` (0 for the writer and the first reader, so a failover picks a reader that
    is sized like the writer; then 1, 2...), and ``instance_class``.
    """
    count = int(reader_count)
    if count < 0 or count > 15:
        raise AnsibleFilterError(f"an Aurora cluster has 0 to 15 readers; got {count}")
    out = []
    for index in range(count + 1):
        identifier = f"{cluster_identifier}-{index + 1}"
        if not valid_rds_identifier(identifier):
            raise AnsibleFilterError(f"instance identifier {identifier!r} is not a valid RDS identifier (63 characters at most)")
        out.append({
            "identifier": identifier,
            "role": "writer" if index == 0 else "reader",
            "promotion_tier": max(index - 1, 0),
            "instance_class": instance_class,
        })
    return out


def ssm_parameter_path(suffix, prefix="/tierstack"):
    """The stack's SSM parameter folder, ``<prefix>/<suffix>/``, checked against SSM's path rules."""
    if not suffix:
        raise AnsibleFilterError("ssm_parameter_path needs a suffix")
    path = "/" + "/".join(part for part in f"{prefix}/{suffix}".split("/") if part) + "/"
    if not SSM_PATH_RE.match(path):
        raise AnsibleFilterError(f"{path!r} is not a valid SSM parameter path (letters, digits, . _ - and /)")
    if len(path) > SSM_PATH_MAX or path.count("/") - 1 > SSM_PATH_LEVELS:
        raise AnsibleFilterError(f"{path!r} is too long or too deep for SSM")
    if path.lower().startswith(("/aws/", "/ssm/")):
        raise AnsibleFilterError(f"{path!r} uses a prefix reserved by AWS")
    return path


def valid_acu(value):
    """True for a Serverless v2 capacity: 0 to 256 in steps of 0.5."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return ACU_MIN <= number <= ACU_MAX and (number * 2).is_integer()


def valid_db_name(name):
    """True for a PostgreSQL database or user name RDS accepts: a letter, then letters, digits or _, 63 at most."""
    return isinstance(name, str) and bool(DB_NAME_RE.match(name))


class FilterModule:
    def filters(self):
        return {
            "rds_identifier": rds_identifier,
            "valid_rds_identifier": valid_rds_identifier,
            "aurora_instances": aurora_instances,
            "ssm_parameter_path": ssm_parameter_path,
            "valid_acu": valid_acu,
            "valid_db_name": valid_db_name,
        }
