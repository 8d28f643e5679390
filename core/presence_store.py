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


# KEYS[1]: the role's entries to put ARGV[2] in, expiring at ARGV[3] (none
# when ARGV[2] is empty); KEYS[2] and on: the roles to count (as above), at
# ARGV[1], now. A connecting socket's entry and its greeting's counts in one
# round trip, where three took a thread of the loop's pool for each (issue 14).
_ENTER_AND_COUNT = (
    """
local function count_users(key, now)
"""
    + _COUNT_USERS.replace("KEYS[1]", "key").replace("ARGV[1]", "now")
    + """
end
if ARGV[2] ~= "" then
  redis.call("ZADD", KEYS[1], ARGV[3], ARGV[2])
end
local counts = {}
for i = 2, #KEYS do
  counts[#counts + 1] = count_users(KEYS[i], ARGV[1])
end
return counts
"""
)


class RedisStore:
    """Each command fails at once for a few seconds after one timed out
    (core.redis_cache): a paused Redis held every page that shows a count."""

    def __init__(self, url):
        self.client = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, decode_responses=True
        )
        self.away = AwayAfterTimeout("presence")
        self._count_users = self.client.register_script(_COUNT_USERS)
        self._enter_and_count = self.client.register_script(_ENTER_AND_COUNT)

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

    def enter_and_count(self, entries, now):
        """For each entry (role, member, expires_at, counted): put() (unless
        `role` is None), then users() of each of the roles `counted`; the
        counts of each entry, in order. One round trip for them all: the
        sockets opening together (core.trips)."""
        calls = [
            (
                [self._key(role or ""), *(self._key(r) for r in counted)],
                [now, member if role else "", expires_at],
            )
            for role, member, expires_at, counted in entries
        ]
        with self.away.guard():
            try:
                return self._run_all(self._enter_and_count, calls)
            except redis.exceptions.NoScriptError:
                # Redis restarted (or its scripts were flushed): none of the
                # calls ran. Loaded again (same hash), they run once.
                self.client.script_load(self._enter_and_count.script)
                return self._run_all(self._enter_and_count, calls)

    def _run_all(self, script, calls):
        # EVALSHA in a pipeline of our own, where the script's own call in a
        # pipeline asks Redis whether it knows the script first: a round
        # trip more, each time, on the sockets' database thread.
        pipeline = self.client.pipeline(transaction=False)
        for keys, args in calls:
            pipeline.evalsha(script.sha, len(keys), *keys, *args)
        return pipeline.execute()

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

    def enter_and_count(self, entries, now):
        counts = []
        for role, member, expires_at, counted in entries:
            if role is not None:
                self.put(role, member, expires_at)
            counts.append([self.users(other, now) for other in counted])
        return counts

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
