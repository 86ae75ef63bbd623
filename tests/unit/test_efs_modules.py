"""efs_access_point's idempotency token: derived, so a retried or repeated create returns the same access point."""
import re

from ansible_collections.tierstack.aws.plugins.modules import efs_access_point

SHAPE = efs_access_point.shape("/media", None, 1000, 1000, "0750")


def test_the_token_is_the_same_for_the_same_file_system_name_and_shape():
    token = efs_access_point.client_token("fs-1", "media-x", SHAPE)
    assert token == efs_access_point.client_token("fs-1", "media-x", dict(SHAPE))
    assert re.fullmatch(r"[0-9a-f]{64}", token)  # CreateAccessPoint: 1-64 ASCII characters


def test_a_new_file_system_name_or_shape_gives_a_new_token():
    token = efs_access_point.client_token("fs-1", "media-x", SHAPE)
    other_shape = efs_access_point.shape("/other", None, 1000, 1000, "0750")
    assert len({token, efs_access_point.client_token("fs-2", "media-x", SHAPE),
                efs_access_point.client_token("fs-1", "media-y", SHAPE),
                efs_access_point.client_token("fs-1", "media-x", other_shape)}) == 4
