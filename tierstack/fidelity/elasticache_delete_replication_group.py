"""ElastiCache: a deleted replication group goes away instead of staying in "deleting" for ever."""

from __future__ import annotations

GAP = (
    "ElastiCache DeleteReplicationGroup leaves the group described with status 'deleting' for ever; "
    "AWS removes it (DescribeReplicationGroups then answers ReplicationGroupNotFoundFault)."
)


def apply() -> None:
    from moto.elasticache import models

    cls = models.ElastiCacheBackend
    if getattr(cls, "_tierstack_delete_rg", False):
        return
    original = cls.delete_replication_group

    def delete_replication_group(self, replication_group_id, retain_primary_cluster):
        group = original(self, replication_group_id, retain_primary_cluster)
        # The answer still describes the group as deleting, as AWS's does; later calls do not find it.
        self.replication_groups.pop(replication_group_id, None)
        return group

    cls.delete_replication_group = delete_replication_group
    cls._tierstack_delete_rg = True
