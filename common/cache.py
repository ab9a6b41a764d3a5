"""The Redis cache backend, keeping its client: Django's builds a new ``redis.Redis`` (with its
table of ~170 response callbacks) on every call, ~50-100 µs of a worker's CPU per cache read."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        # one client per connection pool (the pools are Django's: one per server); a redis-py client
        # holds no connection of its own, takes one from the pool per command, and is thread-safe
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with a kept client (same keys, values, API)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
