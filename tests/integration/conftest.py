"""Fixtures the integration tests share."""

from __future__ import annotations

import pytest

from tierstack import emulator


@pytest.fixture(scope="module")
def endpoint():
    """The emulator of AWS_ENDPOINT_URL; started here (and stopped afterwards) if it is not running."""
    port = emulator.endpoint_port()
    started = not emulator.answers(port)
    if started:
        emulator.up(port)
    yield emulator.endpoint_url(port)
    if started:
        emulator.down(port)
