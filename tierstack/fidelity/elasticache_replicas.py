"""ElastiCache: a replication group (cluster mode disabled) gets the NumCacheClusters members it asks for."""

from __future__ import annotations

GAP = (
    "ElastiCache CreateReplicationGroup (cluster mode disabled) keeps a single member cluster whatever "
    "NumCacheClusters asks, and describes no ReaderEndpoint; AWS creates a primary plus "
    "NumCacheClusters - 1 replicas and a reader endpoint."
)


def apply() -> None:
    from moto.elasticache import models

    cls = models.ReplicationGroup
    if getattr(cls, "_tierstack_replicas", False):
        return
    original = cls._set_node_members_clusters_disabled

    def _set_node_members_clusters_disabled(self, *args, **kwargs):
        # moto derives the member count from ReplicasPerNodeGroup only; AWS uses NumCacheClusters
        # when cluster mode is disabled.
        if not kwargs.get("replicas_per_node_group") and (kwargs.get("num_cache_clusters") or 1) > 1:
            kwargs["replicas_per_node_group"] = kwargs["num_cache_clusters"] - 1
        original(self, *args, **kwargs)
        node_group = kwargs["node_group"]
        node_group["reader_endpoint"] = {
            "address": node_group["reader_endpoint_address"],
            "port": node_group["port"],
        }

    cls._set_node_members_clusters_disabled = _set_node_members_clusters_disabled
    cls._tierstack_replicas = True
