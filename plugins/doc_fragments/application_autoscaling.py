# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options that name an Application Auto Scaling scalable target
    # (module_utils/application_autoscaling.py holds the matching argument spec).
    DOCUMENTATION = r"""
options:
  service_namespace:
    description: Namespace of the scalable resource.
    type: str
    default: ecs
  resource_id:
    description: Identifier of the resource, for ECS C(service/<cluster>/<service>).
    type: str
    required: true
  scalable_dimension:
    description: The scalable dimension.
    type: str
    default: ecs:service:DesiredCount
"""
