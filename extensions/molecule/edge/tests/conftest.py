import pytest

from tierstack import testing

SUFFIX = "ed9"


@pytest.fixture(scope="module")
def outputs():
    return testing.outputs(SUFFIX)


@pytest.fixture(scope="module")
def aws():
    """A boto3 client factory for the emulator (or AWS when TIERSTACK_TARGET=aws)."""
    return testing.client
