"""The helpers of the tierstack.aws.secret_rotate_now module (no AWS call)."""

from plugins.modules.secret_rotate_now import current_version, rotation_ready


def test_current_version():
    assert current_version({"VersionIdsToStages": {"a": ["AWSPREVIOUS"], "b": ["AWSCURRENT", "x"]}}) == "b"
    assert current_version({"VersionIdsToStages": {"a": ["AWSPENDING"]}}) is None
    assert current_version({}) is None


def test_rotation_ready():
    assert rotation_ready({"RotationEnabled": True, "RotationLambdaARN": "arn:aws:lambda:..."}) is None
    assert rotation_ready({"RotationEnabled": True, "OwningService": "rds"}) is None
    assert "not enabled" in rotation_ready({"RotationEnabled": False, "RotationLambdaARN": "arn"})
    assert "not enabled" in rotation_ready({})
    assert rotation_ready({"RotationEnabled": True}) is None  # AWS decides whether it can rotate it
