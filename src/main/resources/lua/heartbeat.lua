--[[
  heartbeat: a live worker process pushes back the time after which it counts as dead (one call per process,
  whatever the number of jobs it holds).

  KEYS[1]  live worker processes (job_queue:workers)
  KEYS[2]  suspects (job_queue:suspects)
  ARGV[1]  the process's id
  ARGV[2]  how long (ms) it counts as alive without another heartbeat

  The expiry is Redis's clock plus ARGV[2], so hosts whose clocks differ agree on it. The first write removes (a
  write that frees memory): a script that has written may go on writing when Redis is out of memory, so heartbeats
  keep live processes alive then, as reapers (whose first write adds) stand still.
  Events: none.
  Returns: 1, or 0 when the process is no longer registered: a reaper took it for dead (its heartbeats stopped for
  longer than the expiry: a long pause, or Redis was unreachable from here) and gave its jobs back to the queue. It
  must then drop what it holds and register again.
]]
--@include redisNow
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], redisNow() + tonumber(ARGV[2]), ARGV[1])
return 1
