"""Database credentials from AWS Secrets Manager, re-read after a rotation."""

from __future__ import annotations

import json
import os
import threading

REQUIRED_KEYS = ("username", "password")


class CredentialError(RuntimeError):
    """The credentials could not be read or are incomplete."""


def parse_secret(text: str) -> dict:
    """The secret's JSON as a dict with at least username and password."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise CredentialError("the DB secret is not JSON") from exc
    if not isinstance(data, dict) or any(not data.get(k) for k in REQUIRED_KEYS):
        raise CredentialError("the DB secret must hold username and password")
    return data


class SecretCredentials:
    """Reads the DB secret, caching it until ``refresh()``.

    The value comes first from ``DB_SECRET`` (ECS injects it at start) and otherwise from Secrets
    Manager by ``DB_SECRET_ARN``. ``refresh()`` always asks Secrets Manager for the version labelled
    AWSCURRENT, so a password rotated after the task started is picked up.
    """

    def __init__(self, secret_arn: str | None = None, initial: str | None = None, client=None):
        self.secret_arn = secret_arn if secret_arn is not None else os.environ.get("DB_SECRET_ARN", "")
        self._initial = initial if initial is not None else os.environ.get("DB_SECRET")
        self._client = client
        self._lock = threading.Lock()
        self._value: dict | None = None
        self.refreshes = 0

    def _secrets_client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("secretsmanager")
        return self._client

    def _fetch_current(self) -> dict:
        if not self.secret_arn:
            raise CredentialError("DB_SECRET_ARN is not set, so the DB secret cannot be re-read")
        client = self._secrets_client()
        # Ask for the version that carries AWSCURRENT by its id: this is what AWS returns for a plain
        # get_secret_value too, and it also works where the plain call lags behind a rotation.
        described = client.describe_secret(SecretId=self.secret_arn)
        version = next(
            (vid for vid, stages in described.get("VersionIdsToStages", {}).items() if "AWSCURRENT" in stages),
            None,
        )
        kwargs = {"SecretId": self.secret_arn}
        if version:
            kwargs["VersionId"] = version
        return parse_secret(client.get_secret_value(**kwargs)["SecretString"])

    def get(self) -> dict:
        with self._lock:
            if self._value is None:
                self._value = parse_secret(self._initial) if self._initial else self._fetch_current()
            return self._value

    def refresh(self) -> dict:
        with self._lock:
            self._value = self._fetch_current()
            self.refreshes += 1
            return self._value
