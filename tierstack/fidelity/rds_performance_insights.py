"""RDS: DB instances keep their Performance Insights settings and describe them as AWS does."""

from __future__ import annotations

GAP = (
    "RDS CreateDBInstance ignores EnablePerformanceInsights, PerformanceInsightsRetentionPeriod and "
    "PerformanceInsightsKMSKeyId, and DescribeDBInstances never returns PerformanceInsightsEnabled "
    "(ModifyDBInstance stores the flag under another name); AWS keeps and describes all three."
)

# What AWS describes when Performance Insights is on and no retention period was sent (the free tier).
DEFAULT_RETENTION_DAYS = 7


def apply() -> None:
    from moto.rds import models

    cls = models.DBInstance
    if getattr(cls, "_tierstack_performance_insights", False):
        return
    original_init = cls.__init__
    original_update = cls.update

    def _store(instance, enabled, retention, kms_key_id):
        if enabled is not None:
            instance.enable_performance_insights = bool(enabled)
        if not getattr(instance, "enable_performance_insights", False):
            # AWS describes no retention period or key while Performance Insights is off.
            instance.performance_insights_retention_period = None
            instance.performance_insights_kms_key_id = None
            return
        if retention is not None:
            instance.performance_insights_retention_period = int(retention)
        elif getattr(instance, "performance_insights_retention_period", None) is None:
            instance.performance_insights_retention_period = DEFAULT_RETENTION_DAYS
        if kms_key_id is not None:
            instance.performance_insights_kms_key_id = kms_key_id

    def __init__(self, *args, **kwargs):
        enabled = kwargs.pop("enable_performance_insights", None)
        retention = kwargs.pop("performance_insights_retention_period", None)
        kms_key_id = kwargs.pop("performance_insights_kms_key_id", None)
        original_init(self, *args, **kwargs)
        self.enable_performance_insights = False
        self.performance_insights_retention_period = None
        self.performance_insights_kms_key_id = None
        _store(self, enabled, retention, kms_key_id)

    def update(self, *args, **db_kwargs):
        enabled = db_kwargs.pop("enable_performance_insights", None)
        retention = db_kwargs.pop("performance_insights_retention_period", None)
        kms_key_id = db_kwargs.pop("performance_insights_kms_key_id", None)
        original_update(self, *args, **db_kwargs)
        _store(self, enabled, retention, kms_key_id)

    cls.__init__ = __init__
    cls.update = update
    # The response serializer reads each member of the described shape as an attribute.
    cls.performance_insights_enabled = property(lambda self: bool(getattr(self, "enable_performance_insights", False)))
    cls._tierstack_performance_insights = True
