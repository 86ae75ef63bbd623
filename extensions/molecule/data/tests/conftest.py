import pytest

from tierstack import testing

SUFFIX = testing.scenario_suffix("mol-data")


@pytest.fixture(scope="module")
def outputs():
    return testing.outputs(SUFFIX)


@pytest.fixture(scope="module")
def rds():
    return testing.client("rds")


@pytest.fixture(scope="module")
def ec2():
    return testing.client("ec2")


@pytest.fixture(scope="module")
def sm():
    return testing.client("secretsmanager")


@pytest.fixture(scope="module")
def cluster(rds, outputs):
    return rds.describe_db_clusters(DBClusterIdentifier=outputs["RDSClusterIdentifier"])["DBClusters"][0]
