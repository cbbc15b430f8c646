"""The Lua scripts: each one is a single atomic state transition on keys of one hash slot.

Scripts are sent with ``EVAL`` (Redis caches the compiled script by its SHA1), so a server
that restarted with an empty script cache needs no special handling.
"""
from __future__ import annotations

__all__ = [
    "COMPARE_AND_DELETE",
    "COMPARE_AND_SET",
    "COMPARE_AND_TOMBSTONE",
    "CREATE_GROUP",
    "PUBLISH",
    "RELEASE_LEASE",
    "TAKE_LEASE",
]

#: KEYS: stream, sequence counter. ARGV: maxlen, payload... -> the last sequence number.
#: Every payload gets the next number of the topic's dense publish sequence, in order. An entry
#: has one field: its name is the sequence number, its value the message (one field instead of
#: two makes the reply a third shorter to parse).
PUBLISH = """
local count = #ARGV - 1
local last = redis.call('INCRBY', KEYS[2], count)
local seq = last - count
for i = 2, #ARGV do
  seq = seq + 1
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', string.format('%d', seq), ARGV[i])
end
return last
"""

#: KEYS: stream. ARGV: group, start id -> the group's last-delivered id (new or existing).
#: Creates the stream if needed; an existing group is left alone (BUSYGROUP is not an error).
CREATE_GROUP = """
local ok, err = pcall(redis.call, 'XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2], 'MKSTREAM')
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, last = nil, nil
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] end
    if g[i] == 'last-delivered-id' then last = g[i + 1] end
  end
  if name == ARGV[1] then return last end
end
return redis.error_reply('group was not created: ' .. tostring(err))
"""

# Writes ``state`` (a Lua expression) to KEYS[1] if it is at version ARGV[1]; the expiry in ms
# is ``ttl`` (0: none). Versions come from a per-grouping counter (KEYS[2]) seeded from the
# server clock, so a version never repeats for a key (not after a delete, not after Redis
# restarted empty).
_WRITE_IF_AT_VERSION = """
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
local now = redis.call('TIME')
local version = redis.call('INCR', KEYS[2])
if version == 1 then
  version = tonumber(now[1]) * 1000000 + tonumber(now[2])
  redis.call('SET', KEYS[2], string.format('%d', version))
end
redis.call('HSET', KEYS[1], 's', {state}, 'v', string.format('%d', version),
           't', string.format('%d', tonumber(now[1]) * 1000000 + tonumber(now[2])))
local ttl = tonumber({ttl})
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
return version
"""

#: KEYS: state hash, version counter. ARGV: expected version, state bytes, ttl ms (0: none)
#: -> the new version, or 0 if the key is not at the expected version.
COMPARE_AND_SET = _WRITE_IF_AT_VERSION.format(state="ARGV[2]", ttl="ARGV[3]")

#: The bytes caikit-compose's state codec writes for ``TOMBSTONE``.
TOMBSTONE_BYTES = b"T"

#: KEYS: state hash, version counter. ARGV: expected version (0: absent), ttl ms (0: none)
#: -> the new version, or 0 if the key is not at the expected version.
#: Replaces the state with the tombstone of a completed group: no state travels, and a late
#: duplicate that reads the key finds the tombstone until it expires.
COMPARE_AND_TOMBSTONE = _WRITE_IF_AT_VERSION.format(
    state=repr(TOMBSTONE_BYTES.decode()), ttl="ARGV[2]"
)

#: KEYS: state hash. ARGV: expected version -> 1 if deleted, 0 if it changed or is absent.
COMPARE_AND_DELETE = """
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current == 0 or current ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
"""

#: KEYS: lease. ARGV: member name, ttl ms -> 1 if the member holds the lease (taken or renewed).
TAKE_LEASE = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

#: KEYS: lease. ARGV: member name -> 1 if the member held it and released it.
RELEASE_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
