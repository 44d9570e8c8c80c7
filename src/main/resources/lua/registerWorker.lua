--[[
  registerWorker: a worker process announces itself before it takes any job, and again after a heartbeat found it
  taken for dead.

  KEYS[1]  live worker processes (job_queue:workers: sorted set, member = process id, score = heartbeat expiry)
  KEYS[2]  suspects (job_queue:suspects)
  KEYS[3]  the process's description (job_queue:worker:<process>: a hash)
  ARGV[1]  the process's id
  ARGV[2]  how long (ms) it counts as alive without a heartbeat
  ARGV[3..]  field, value pairs describing it (threads, host, pid, started): 'threads' names its reserved lists
             (job_queue:reserved:<process>-1 .. -<threads>), which a reaper empties when the process dies

  Events: none.
  Returns: 1.
]]
--@include redisNow
redis.call('ZADD', KEYS[1], redisNow() + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
if #ARGV > 2 then
  redis.call('HSET', KEYS[3], unpack(ARGV, 3))
end
return 1
