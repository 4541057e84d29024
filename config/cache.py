"""Django's Redis cache, made optional: while Redis is down the cache misses instead of failing.

Sessions are read through the cache (cached_db, written through to the database) and pages cache
figures in it; with the plain RedisCache every one of those reads raises ConnectionError while
Redis is down, and every page is a 500, sign-in included. Here an error of Redis is a miss (a
read returns the default, a write does nothing, and is logged), so sessions fall back to the
database and pages compute what they would have read. Short socket timeouts (settings) keep an
unreachable Redis from holding a request for long.
"""

import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a client of this cache can meet when Redis is down: the server refusing or dropping the
# connection is a redis ConnectionError or TimeoutError (both RedisError); a socket error can
# come through unwrapped.
CACHE_DOWN = (RedisError, OSError)


def _missed(operation: str, error: Exception) -> None:
    logger.warning("Cache %s skipped, Redis is unreachable: %s", operation, error)


class _ClientPerPool(RedisCacheClient):
    """Django's Redis client, reusing one redis.Redis per connection pool.

    Django builds a new redis.Redis for every cache call; its constructor alone cost about a
    third of reading a session from Redis, which every signed-in request does (a redis.Redis is
    safe to share: each command takes a connection from the pool).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ClientPerPool

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except CACHE_DOWN as error:
            _missed("get", error)
            return default

    def get_many(self, keys, version: int | None = None) -> dict:
        try:
            return super().get_many(keys, version)
        except CACHE_DOWN as error:
            _missed("get_many", error)
            return {}

    def has_key(self, key: str, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except CACHE_DOWN as error:
            _missed("has_key", error)
            return False

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except CACHE_DOWN as error:
            _missed("set", error)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except CACHE_DOWN as error:
            _missed("add", error)
            return False

    def set_many(self, data: dict, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list:
        try:
            return super().set_many(data, timeout, version)
        except CACHE_DOWN as error:
            _missed("set_many", error)
            return list(data)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except CACHE_DOWN as error:
            _missed("touch", error)
            return False

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        # As if the count had started now: a counter kept in the cache stops counting while Redis
        # is down rather than failing the request (the sign-in throttle counts in PostgreSQL, so
        # it holds then: accounts/throttle.py). decr() comes through here too.
        try:
            return super().incr(key, delta, version)
        except CACHE_DOWN as error:
            _missed("incr", error)
            return delta

    def delete(self, key: str, version: int | None = None) -> bool:
        # A session deleted at sign-out stays in Redis if it is down meanwhile; the cached_db store
        # deletes the database row too, and a cached copy expires with the cache's timeout.
        try:
            return super().delete(key, version)
        except CACHE_DOWN as error:
            _missed("delete", error)
            return False

    def delete_many(self, keys, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except CACHE_DOWN as error:
            _missed("delete_many", error)
