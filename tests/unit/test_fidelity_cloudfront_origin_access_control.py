"""tierstack.fidelity.cloudfront_origin_access_control: a distribution's S3 origin describes the origin
access control and S3 origin settings it was created with, as AWS does."""

import boto3
import pytest
from moto import mock_aws

from tierstack.fidelity import cloudfront_origin_access_control

pytestmark = pytest.mark.usefixtures("in_process_aws")


def _distribution(cf):
    oac = cf.create_origin_access_control(OriginAccessControlConfig={
        "Name": "assets-oac", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]
    config = {
        "CallerReference": "r1", "Comment": "c1", "Enabled": True,
        "Origins": {"Quantity": 2, "Items": [
            {"Id": "s3-assets", "DomainName": "assets.s3.us-east-1.amazonaws.com",
             "S3OriginConfig": {"OriginAccessIdentity": ""}, "OriginAccessControlId": oac},
            {"Id": "alb", "DomainName": "alb-1.us-east-1.elb.amazonaws.com",
             "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "alb", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
    }
    return oac, cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def _origins(cf, dist_id):
    return {o["Id"]: o for o in cf.get_distribution_config(Id=dist_id)["DistributionConfig"]["Origins"]["Items"]}


@mock_aws
def test_with_the_patch_the_origins_describe_what_create_was_sent():
    cloudfront_origin_access_control.apply()
    cf = boto3.client("cloudfront", region_name="us-east-1")
    oac, dist_id = _distribution(cf)
    origins = _origins(cf, dist_id)
    assert origins["s3-assets"]["OriginAccessControlId"] == oac
    assert origins["s3-assets"]["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert origins["alb"]["OriginAccessControlId"] == ""
    assert "S3OriginConfig" not in origins["alb"]
    listed = cf.list_distributions()["DistributionList"]["Items"][0]["Origins"]["Items"]
    assert [o.get("OriginAccessControlId") for o in listed] == [oac, ""]
