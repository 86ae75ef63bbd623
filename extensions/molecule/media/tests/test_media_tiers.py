"""Read the Redis, EFS, Kinesis and application-secret tiers back from the endpoint (eu-west-2)."""

from tierstack import media_checks

SUFFIX = "mol-media"
REGION = "eu-west-2"
TAGS = {"Environment": SUFFIX, "Project": "tierstack", "ManagedBy": "ansible-tierstack"}


def test_outputs_are_published(outputs):
    for key in ("RedisPrimaryEndpoint", "RedisReaderEndpoint", "RedisPort", "RedisAuthSecretArn", "EfsFileSystemId",
                "EfsFileSystemArn", "EfsAccessPointId", "EfsAccessPointArn", "KinesisStreamName", "KinesisStreamArn",
                "AppSecretApiKeysArn"):
        assert outputs[key], key
    assert ":eu-west-2:" in outputs["KinesisStreamArn"]


def test_redis(outputs):
    media_checks.check_redis(outputs, REGION, SUFFIX, "redis", "cache.r7g.large", 1, TAGS)


def test_efs(outputs):
    media_checks.check_efs(outputs, REGION, SUFFIX, "shared", "/media", TAGS)


def test_kinesis(outputs):
    media_checks.check_kinesis(outputs, REGION, SUFFIX, 4, 24, TAGS)


def test_app_secret(outputs):
    media_checks.check_app_secret(outputs, REGION, SUFFIX, TAGS)
