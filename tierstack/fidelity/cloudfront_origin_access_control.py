"""CloudFront: a distribution's origins keep their origin access control and S3 origin settings and
describe them as AWS does."""

from __future__ import annotations

GAP = (
    "CloudFront CreateDistribution/UpdateDistribution drop each origin's OriginAccessControlId and "
    "S3OriginConfig, so GetDistribution(Config) and ListDistributions describe an S3 origin with no "
    "origin access control; AWS keeps both (OriginAccessControlId is \"\" on an origin without one)."
)


def apply() -> None:
    from moto.cloudfront import models

    cls = models.Origin
    if getattr(cls, "_tierstack_origin_access_control", False):
        return
    original_init = cls.__init__

    def __init__(self, origin, *args, **kwargs):
        original_init(self, origin, *args, **kwargs)
        # The response serializer reads each member of the described shape as an attribute.
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""
        if "S3OriginConfig" in origin:
            self.s3_origin_config = {"OriginAccessIdentity": origin["S3OriginConfig"].get("OriginAccessIdentity") or ""}

    cls.__init__ = __init__
    cls._tierstack_origin_access_control = True
