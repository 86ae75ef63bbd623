import pytest

from tierstack import testing

SUFFIX = testing.scenario_suffix("mol-ct")


@pytest.fixture(scope="module")
def outputs():
    return testing.outputs(SUFFIX)


@pytest.fixture(scope="module")
def aws():
    """boto3 clients for the endpoint, by service name."""
    return testing.client
