--[[
  clearQueue: deletes one list (or the delayed set), with what belongs to its jobs.

  KEYS[1]    the list or sorted set to clear
  KEYS[2..]  other keys that go with it (for the queue: the announced ids)
  ARGV[1]    prefix of job records (job_queue:job:), or '' to leave records alone

  With a prefix, the records of the cleared jobs are deleted too (finished and delayed jobs: bounded by their
  retention), so that a lookup no longer finds them. Running jobs keep theirs: clearing the processing list does not
  stop them, and they still finish.
  Events: none.
  Returns: how many jobs were removed.
]]
--@include idOf
local zset = redis.call('TYPE', KEYS[1]).ok == 'zset'
local removed = zset and redis.call('ZCARD', KEYS[1]) or redis.call('LLEN', KEYS[1])
if ARGV[1] ~= '' then
  local values = zset and redis.call('ZRANGE', KEYS[1], 0, -1) or redis.call('LRANGE', KEYS[1], 0, -1)
  for _, value in ipairs(values) do
    local id = idOf(value)
    if id then
      redis.call('DEL', ARGV[1] .. id)
    end
  end
end
redis.call('DEL', unpack(KEYS))
return removed
