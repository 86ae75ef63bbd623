# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every tierstack module needs around botocore: the error tuple, paginated reads with retries,
and reads that answer None for a missing resource.

Modelled on amazon.aws's ``module_utils/botocore.py`` (``paginated_query_with_retries``,
``is_boto3_error_code``); these are the forms our modules call.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


class BotocoreMissing(Exception):
    """Stands in for botocore's errors where botocore is missing: never raised (AnsibleAWSModule fails first)."""


try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError

    AWS_ERRORS = (ClientError, BotoCoreError)
except ImportError:
    AWS_ERRORS = (BotocoreMissing,)


def paginate(client, operation, retry_decorator=None, **params):
    """The full result of a paginated ``operation`` (boto3's paginator), retried as a whole on throttling.

    The result keys hold every page's items, as ``build_full_result`` merges them; a key no page had is absent.
    """

    def _all_pages():
        return client.get_paginator(operation).paginate(**params).build_full_result()

    return (retry_decorator or AWSRetry.jittered_backoff())(_all_pages)()


def paginate_items(client, operation, key, **params):
    """The items under ``key`` (a dotted path such as ``DistributionList.Items``) of every page."""
    result = paginate(client, operation, **params)
    for part in key.split("."):
        result = (result or {}).get(part)
    return list(result or [])


def get_or_none(module, method, not_found, msg, default=None, **params):
    """``method(aws_retry=True, **params)``, or ``default`` when AWS answers one of the ``not_found`` error codes.

    Any other error fails the module with ``msg``.
    """
    try:
        return method(aws_retry=True, **params)
    except is_boto3_error_code(not_found):
        return default
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=msg)
