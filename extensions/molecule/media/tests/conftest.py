import pytest

from tierstack import testing

SUFFIX = "mol-media"
REGION = "eu-west-2"


@pytest.fixture(scope="module")
def outputs():
    return testing.outputs(SUFFIX)
