# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options that name an Application Auto Scaling scalable target (doc fragment
``tierstack.aws.application_autoscaling``)."""

from __future__ import annotations

SCALABLE_TARGET_ARGUMENT_SPEC = dict(
    service_namespace=dict(type="str", default="ecs"),
    resource_id=dict(type="str", required=True),
    scalable_dimension=dict(type="str", default="ecs:service:DesiredCount"),
)


def scalable_target_ident(params):
    """The API's identifying arguments of the scalable target the module parameters name."""
    return dict(
        ServiceNamespace=params["service_namespace"],
        ResourceId=params["resource_id"],
        ScalableDimension=params["scalable_dimension"],
    )
