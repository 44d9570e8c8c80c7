--[[
  clearQueue: deletes one queue, and the bookkeeping that belongs to it.

  KEYS[1]  the list or sorted set to clear
  KEYS[2..]  keys that describe its members (for processing: leases and unleased marks;
             for the queue: announced ids)

  Events: none.
  Returns: how many jobs were removed.
]]
local removed
if redis.call('TYPE', KEYS[1]).ok == 'zset' then
  removed = redis.call('ZCARD', KEYS[1])
else
  removed = redis.call('LLEN', KEYS[1])
end
redis.call('DEL', unpack(KEYS))
return removed
