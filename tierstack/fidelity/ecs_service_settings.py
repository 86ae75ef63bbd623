"""ECS CreateService: keep capacityProviderStrategy, deploymentConfiguration, enableExecuteCommand and
healthCheckGracePeriodSeconds, and describe them back as AWS does.

moto 5.2.5 reads none of the four from CreateService (UpdateService stores whatever it is sent, since it
sets every parameter as an attribute), so DescribeServices shows launchType EC2 and no strategy, no
deployment configuration and no ECS Exec flag for a service created with them.
"""

from __future__ import annotations

GAP = (
    "ECS CreateService drops capacityProviderStrategy (and describes launchType EC2), deploymentConfiguration, "
    "enableExecuteCommand and healthCheckGracePeriodSeconds; DescribeServices then lacks them."
)

# What AWS describes for a service created without a deployment configuration.
DEFAULT_DEPLOYMENT_CONFIGURATION = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


def apply() -> None:
    from moto.ecs.responses import EC2ContainerServiceResponse

    original = EC2ContainerServiceResponse.create_service
    if getattr(original, "_tierstack_fidelity", False):
        return

    def create_service(self):
        result = original(self)
        service = self.ecs_backend._get_service(self._get_param("cluster", "default"), self._get_param("serviceName"))
        strategy = self._get_param("capacityProviderStrategy")
        if strategy:
            service.capacity_provider_strategy = [
                {"capacityProvider": s["capacityProvider"], "weight": int(s.get("weight", 0)), "base": int(s.get("base", 0))}
                for s in strategy
            ]
            if not self._get_param("launchType"):
                service.launch_type = None
                for deployment in service.deployments:
                    deployment.pop("launchType", None)
                    deployment["capacityProviderStrategy"] = service.capacity_provider_strategy
        configuration = dict(DEFAULT_DEPLOYMENT_CONFIGURATION)
        configuration.update(self._get_param("deploymentConfiguration") or {})
        service.deployment_configuration = configuration
        service.enable_execute_command = bool(self._get_param("enableExecuteCommand", False))
        grace = self._get_param("healthCheckGracePeriodSeconds")
        if grace is not None:
            service.health_check_grace_period_seconds = int(grace)
        return result

    create_service._tierstack_fidelity = True
    create_service._tierstack_original = original
    EC2ContainerServiceResponse.create_service = create_service
