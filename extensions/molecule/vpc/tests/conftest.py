import pytest

from tierstack import testing

SUFFIX = testing.scenario_suffix("mol-vpc")


@pytest.fixture(scope="module")
def outputs():
    return testing.outputs(SUFFIX)


@pytest.fixture(scope="module")
def ec2():
    return testing.client("ec2")
