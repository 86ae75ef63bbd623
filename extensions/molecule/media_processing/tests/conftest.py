import pytest

from tierstack import testing

SUFFIX = "mol-mp"
REGION = "eu-west-2"


@pytest.fixture(scope="module")
def outputs():
    return testing.outputs(SUFFIX)


@pytest.fixture(scope="module")
def aws():
    return lambda service: testing.client(service, REGION)
