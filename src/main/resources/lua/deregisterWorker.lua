--[[
  deregisterWorker: a worker process that stopped cleanly takes itself off the list of live processes.

  KEYS[1]  live worker processes (job_queue:workers)
  KEYS[2]  suspects (job_queue:suspects)
  KEYS[3]  the process's description (job_queue:worker:<process>)
  KEYS[4]  the jobs it holds (job_queue:held:<process>)
  ARGV[1]  the process's id
  ARGV[2]  prefix of reserved lists (job_queue:reserved:)
  ARGV[3]  prefix of take fences (job_queue:fence:)

  A process that still holds a job, started or reserved (one it could not hand back, say while Redis was
  unreachable), stays registered and falls silent: a reaper then gives those jobs back once its heartbeat has run out.
  Events: none.
  Returns: 1 if deregistered, 0 if it still holds jobs.
]]
if redis.call('HLEN', KEYS[4]) > 0 then
  return 0
end
local threads = tonumber(redis.call('HGET', KEYS[3], 'threads')) or 0
for n = 1, threads do
  if redis.call('LLEN', ARGV[2] .. ARGV[1] .. '-' .. n) > 0 then
    return 0
  end
end
for n = 1, threads do
  redis.call('DEL', ARGV[3] .. ARGV[1] .. '-' .. n)
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3], KEYS[4])
return 1
