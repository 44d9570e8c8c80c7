--[[
  requeueOrphans: processing -> queued, for values in processing that no live process holds: left by an earlier
  version of this system, by another client, or by a Redis that lost part of its data. A safety net, run rarely.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  queue list (job_queue)
  KEYS[3]  orphan marks (job_queue:orphans: sorted set, member = a value, score = when it was first seen unheld)
  KEYS[4]  live worker processes (job_queue:workers)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  events channel (job_status)
  ARGV[3]  how long (ms) a value must stay unheld before it is requeued
  ARGV[4]  prefix of the hashes of jobs each process holds (job_queue:held:)
  ARGV[5 + 5k] .. ARGV[9 + 5k]  for each value seen in processing: the value, its id ('' if unreadable), the job as
                                queued again, its 'stalled' event ('' for none), its new rev

  A value is held when a registered process holds its job with this very JSON (job_queue:held:<process>). An unheld
  value is marked on the first sweep and requeued on a sweep at least ARGV[3] ms later if still unheld. Marks of
  values long gone are dropped.
  Events: the given 'stalled' event for each value requeued.
  Returns: how many values were requeued.
]]
--@include redisNow
--@include holderOf
local now = redisNow()
local grace = tonumber(ARGV[3])
local requeued = 0
for i = 5, #ARGV, 5 do
  local value, id, queued, event, rev = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local held = false
  if id ~= '' then
    local process = holderOf(redis.call('HGET', ARGV[1] .. id, 'run') or nil)
    held = redis.call('HGET', ARGV[4] .. process, id) == value and redis.call('ZSCORE', KEYS[4], process) ~= false
  end
  if held then
    redis.call('ZREM', KEYS[3], value)
  else
    local seen = redis.call('ZSCORE', KEYS[3], value)
    if not seen then
      redis.call('ZADD', KEYS[3], now, value)
    elseif now - tonumber(seen) >= grace and redis.call('LREM', KEYS[1], -1, value) == 1 then
      redis.call('ZREM', KEYS[3], value)
      redis.call('RPUSH', KEYS[2], queued)
      if id ~= '' then
        redis.call('HSET', ARGV[1] .. id, 'state', 'queued', 'rev', rev)
      end
      if event ~= '' then
        redis.call('PUBLISH', ARGV[2], event)
      end
      requeued = requeued + 1
    end
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 10 * grace - 60000)
return requeued
