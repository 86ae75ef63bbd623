# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the API Gateway helpers share: the client and the list of changes made (or, in check mode,
that would be made), ARNs, and tags."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags


def api_arn(region, api_id):
    return f"arn:aws:apigateway:{region}::/restapis/{api_id}"


class ApiGatewayTool:
    """The module, its apigateway client and the changes made so far; each helper records what it changes."""

    def __init__(self, module):
        self.module = module
        self.client = module.client("apigateway", retry_decorator=AWSRetry.jittered_backoff())
        self.region = module.region
        self.changes = []
        self.check = module.check_mode

    def fail(self, e, msg):
        self.module.fail_json_aws(e, msg=msg)

    def api_arn(self, api_id):
        return api_arn(self.region, api_id)

    def ensure_tags(self, arn, current, desired, what):
        """Reconcile the tags of ``arn`` (API Gateway returns them with the resource: ``current``)."""
        if reconcile_tags(self.module, self.client, "apigateway", arn, desired, self.module.params["purge_tags"], current=current).changed:
            self.changes.append(f"update {what} tags")
