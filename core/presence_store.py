"""Where presence's entries live (core/presence.py): a sorted set per role in
Redis, scored by expiry, shared by every process; or, without REDIS_URL, this
process's memory, which is right for the single development server."""

import collections
import functools
import threading

import redis
from django.conf import settings

from core.redis_cache import AwayAfterTimeout

# KEYS[1]: a role's entries; ARGV[1]: now. Drops the expired entries, then
# counts the distinct users (the part of each member before its ":").
_COUNT_USERS = """
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", ARGV[1])
local seen, count = {}, 0
for _, member in ipairs(redis.call("ZRANGEBYSCORE", KEYS[1], ARGV[1], "+inf")) do
  local user = string.match(member, "^[^:]*")
  if not seen[user] then
    seen[user] = true
    count = count + 1
  end
end
return count
"""


class RedisStore:
    """Each command fails at once for a few seconds after one timed out
    (core.redis_cache): a paused Redis held every page that shows a count."""

    def __init__(self, url):
        self.client = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, decode_responses=True
        )
        self.away = AwayAfterTimeout("presence")
        self._count_users = self.client.register_script(_COUNT_USERS)

    def _key(self, role):
        return f"healingpaws:presence:{role}"

    def put(self, role, member, expires_at):
        with self.away.guard():
            self.client.zadd(self._key(role), {member: expires_at})

    def remove(self, role, member):
        with self.away.guard():
            self.client.zrem(self._key(role), member)

    def expire(self, role, now):
        with self.away.guard():
            return self.client.zremrangebyscore(self._key(role), "-inf", now)

    def users(self, role, now):
        """The distinct users among the live entries ("user:channel"), the
        expired ones dropped first; counted in Redis: every connect asks,
        and reading all 200 entries of a busy role into Python for each of
        200 doctors opening their pages was most of the opening's CPU."""
        with self.away.guard():
            return self._count_users(keys=[self._key(role)], args=[now])

    def swap_published(self, role, count):
        with self.away.guard():
            previous = self.client.getset(f"{self._key(role)}:published", count)
        return None if previous is None else int(previous)


class MemoryStore:
    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def put(self, role, member, expires_at):
        with self.lock:
            self.entries[role][member] = expires_at

    def remove(self, role, member):
        with self.lock:
            self.entries[role].pop(member, None)

    def expire(self, role, now):
        with self.lock:
            entries = self.entries[role]
            expired = [m for m, expires in entries.items() if expires <= now]
            for member in expired:
                del entries[member]
            return len(expired)

    def users(self, role, now):
        self.expire(role, now)
        with self.lock:
            return len({member.split(":", 1)[0] for member in self.entries[role]})

    def clear(self):
        with self.lock:
            self.entries = collections.defaultdict(dict)
            self.published = {}

    def swap_published(self, role, count):
        with self.lock:
            previous, self.published[role] = self.published.get(role), count
            return previous


@functools.cache
def redis_store(url):
    return RedisStore(url)


memory_store = MemoryStore()


def store():
    # Read at each call, so that tests can switch backends with settings.
    if settings.REDIS_URL:
        return redis_store(settings.REDIS_URL)
    return memory_store
