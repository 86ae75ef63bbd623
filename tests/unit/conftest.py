"""Shared fixtures for the unit tests."""

import os

import pytest


@pytest.fixture()
def in_process_aws(monkeypatch):
    """moto's in-process mock only catches requests to AWS's own URLs: drop any endpoint the
    environment points at (a test lane's emulator, AWS_ENDPOINT_URL_<SERVICE>) and use fake
    credentials, so a mock_aws test never reaches a server or an account."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
