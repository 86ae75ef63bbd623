"""Pure parts of the PostgreSQL rotation function (the steps themselves run against a real
server in tests/integration/test_rotation_postgres.py)."""

import base64
import hashlib
import hmac
import importlib.util

import pytest

from tierstack import REPO_ROOT

SOURCE = REPO_ROOT / "roles" / "rds_aurora" / "files" / "postgres_rotation" / "lambda_function.py"


@pytest.fixture(scope="module")
def rotation():
    spec = importlib.util.spec_from_file_location("tierstack_pg_rotation_unit", SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scram_verifier_format_and_keys(rotation):
    salt = bytes(range(16))
    verifier = rotation.scram_sha256_verifier("pencil", salt=salt)
    head, keys = verifier.split("$", 1)[1].split("$")
    iterations, salt_b64 = head.split(":")
    stored_b64, server_b64 = keys.split(":")
    assert verifier.startswith("SCRAM-SHA-256$4096:")
    assert iterations == "4096" and base64.b64decode(salt_b64) == salt
    # RFC 5802: StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key").
    salted = hashlib.pbkdf2_hmac("sha256", b"pencil", salt, 4096)
    assert base64.b64decode(stored_b64) == hashlib.sha256(hmac.new(salted, b"Client Key", hashlib.sha256).digest()).digest()
    assert base64.b64decode(server_b64) == hmac.new(salted, b"Server Key", hashlib.sha256).digest()


def test_scram_verifier_never_contains_the_password_and_salts_differ(rotation):
    a, b = rotation.scram_sha256_verifier("s3cret-pass"), rotation.scram_sha256_verifier("s3cret-pass")
    assert a != b
    assert "s3cret-pass" not in a


def test_unknown_step_is_refused(rotation):
    with pytest.raises(ValueError, match="unknown rotation step"):
        rotation.lambda_handler({"SecretId": "arn", "ClientRequestToken": "t", "Step": "dropEverything"}, None, client=object())


def test_version_lookup(rotation):
    stages = {"v1": ["AWSPREVIOUS"], "v2": ["AWSCURRENT"], "v3": ["AWSPENDING"]}
    assert rotation._version_with(stages, "AWSCURRENT") == "v2"
    assert rotation._version_with(stages, "AWSPENDING") == "v3"
    assert rotation._version_with({}, "AWSCURRENT") is None
