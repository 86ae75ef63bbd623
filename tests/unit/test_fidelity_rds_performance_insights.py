"""tierstack.fidelity.rds_performance_insights: an Aurora instance describes the Performance Insights
settings it was created or modified with, as AWS does."""

import boto3
import pytest
from moto import mock_aws

from tierstack.fidelity import rds_performance_insights

pytestmark = pytest.mark.usefixtures("in_process_aws")
REGION = "eu-west-2"


def _cluster_instance(rds, name, **extra):
    rds.create_db_cluster(DBClusterIdentifier="c1", Engine="aurora-postgresql", MasterUsername="app",
                          MasterUserPassword="x" * 20)
    rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier="c1", Engine="aurora-postgresql",
                           DBInstanceClass="db.serverless", **extra)
    return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


@mock_aws
def test_created_with_performance_insights_describes_them():
    rds_performance_insights.apply()
    rds = boto3.client("rds", region_name=REGION)
    db = _cluster_instance(rds, "i1", EnablePerformanceInsights=True, PerformanceInsightsRetentionPeriod=31)
    assert db["PerformanceInsightsEnabled"] is True
    assert db["PerformanceInsightsRetentionPeriod"] == 31


@mock_aws
def test_defaults_and_modify_round_trip():
    rds_performance_insights.apply()
    rds = boto3.client("rds", region_name=REGION)
    db = _cluster_instance(rds, "i2")
    assert db["PerformanceInsightsEnabled"] is False
    assert "PerformanceInsightsRetentionPeriod" not in db
    rds.modify_db_instance(DBInstanceIdentifier="i2", EnablePerformanceInsights=True, ApplyImmediately=True)
    db = rds.describe_db_instances(DBInstanceIdentifier="i2")["DBInstances"][0]
    assert db["PerformanceInsightsEnabled"] is True
    assert db["PerformanceInsightsRetentionPeriod"] == rds_performance_insights.DEFAULT_RETENTION_DAYS
    rds.modify_db_instance(DBInstanceIdentifier="i2", EnablePerformanceInsights=False, ApplyImmediately=True)
    db = rds.describe_db_instances(DBInstanceIdentifier="i2")["DBInstances"][0]
    assert db["PerformanceInsightsEnabled"] is False
    assert "PerformanceInsightsRetentionPeriod" not in db
