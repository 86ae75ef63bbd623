import pytest

from tierstack import testing

SUFFIX = "mol-full"


@pytest.fixture(scope="module")
def outputs():
    return testing.outputs(SUFFIX)
