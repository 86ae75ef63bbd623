# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting: boto3's waiters where AWS defines one, and one polling helper with a deadline where it does not.

Modelled on amazon.aws's ``module_utils/waiters.py``. No module sleeps in a loop of its own.
"""

from __future__ import annotations

import time

try:
    import botocore
except ImportError:
    pass  # the modules' AnsibleAWSModule reports a missing botocore


class WaitTimeout(Exception):
    """Raised by :func:`poll` when the deadline passes."""

    def __init__(self, last):
        super().__init__("deadline passed")
        self.last = last


def boto3_wait(client, name, timeout, delay, **params):
    """Run boto3's waiter ``name`` with ``delay`` seconds between attempts, for at most ``timeout`` seconds.

    Raises botocore's ``WaiterError`` when the waiter fails or runs out of attempts.
    """
    attempts = max(1, int(timeout // max(delay, 1)) + 1)
    client.get_waiter(name).wait(WaiterConfig={"Delay": delay, "MaxAttempts": attempts}, **params)


def is_waiter_error(error):
    try:
        return isinstance(error, botocore.exceptions.WaiterError)
    except NameError:
        return False


def poll(probe, timeout, delay, clock=time.monotonic, sleep=time.sleep):
    """Call ``probe()`` every ``delay`` seconds until it returns something truthy, and return that.

    Raises :class:`WaitTimeout` (holding the last answer) when ``timeout`` seconds pass first.
    ``probe`` may raise to stop the wait early (a failed state, say).
    """
    deadline = clock() + timeout
    while True:
        last = probe()
        if last:
            return last
        if clock() > deadline:
            raise WaitTimeout(last)
        sleep(delay)


def retry_while(call, retryable, timeout, delay, clock=time.monotonic, sleep=time.sleep):
    """Return ``call()``, calling again while it raises an error that ``retryable(error)`` accepts.

    For writes that fail until another change has propagated (a new IAM role, say). The last error is
    raised once ``timeout`` seconds have passed, or at once when it is not retryable.
    """
    deadline = clock() + timeout
    while True:
        try:
            return call()
        except Exception as e:  # pylint: disable=broad-except
            if not retryable(e) or clock() > deadline:
                raise
        sleep(delay)
