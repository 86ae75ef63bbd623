"""ElastiCache: DeleteCacheSubnetGroup, which moto lacks (HTTP 500)."""

from __future__ import annotations

GAP = "ElastiCache DeleteCacheSubnetGroup is not implemented (HTTP 500); AWS deletes an unused cache subnet group."


def apply() -> None:
    from moto.core.responses import EmptyResult
    from moto.elasticache import exceptions, models, responses

    backend_cls = models.ElastiCacheBackend
    if getattr(backend_cls, "_tierstack_delete_csg", False):
        return

    class CacheSubnetGroupInUse(exceptions.ElastiCacheException):
        code = "CacheSubnetGroupInUse"

    def delete_cache_subnet_group(self, cache_subnet_group_name):
        if cache_subnet_group_name not in self.cache_subnet_groups:
            raise exceptions.CacheSubnetGroupNotFound(cache_subnet_group_name)
        in_use = [g for g in self.replication_groups.values() if g.cache_subnet_group_name == cache_subnet_group_name]
        if in_use:
            raise CacheSubnetGroupInUse(f"Cache subnet group {cache_subnet_group_name} is currently in use.")
        self.cache_subnet_groups.pop(cache_subnet_group_name)

    def delete_cache_subnet_group_response(self):
        self.elasticache_backend.delete_cache_subnet_group(self._get_param("CacheSubnetGroupName"))
        return EmptyResult()

    backend_cls.delete_cache_subnet_group = delete_cache_subnet_group
    responses.ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group_response
    backend_cls._tierstack_delete_csg = True
