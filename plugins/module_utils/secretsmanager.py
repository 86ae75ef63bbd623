# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a Secrets Manager secret's description (never its value)."""

from __future__ import annotations

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import get_or_none


def describe_secret(module, client, secret_id):
    """The secret's description, or None when it does not exist."""
    return get_or_none(module, client.describe_secret, "ResourceNotFoundException", f"Couldn't describe secret {secret_id}", SecretId=secret_id)


def current_version(secret):
    """Id of the version labelled AWSCURRENT, or None."""
    for version, stages in (secret.get("VersionIdsToStages") or {}).items():
        if "AWSCURRENT" in stages:
            return version
    return None
