--[[
  promoteDelayed: delayed -> queued, for every job whose time has come by Redis's clock (soonest due first).

  KEYS[1]  delayed jobs (job_queue:delayed)
  KEYS[2]  queue list (job_queue)
  KEYS[3]  announced ids (job_queue:announced)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  the most jobs to move in this call

  The job goes to the back of the line, like a new one, with the status it waited with ('retrying').
  Safe when many processes run it at once: each job is moved by exactly one of them.
  Events: none ('retrying' announced the job when it was delayed, so it counts as announced).
  Returns: how many jobs were moved.
]]
--@include redisNow
--@include idOf
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', redisNow(), 'LIMIT', 0, tonumber(ARGV[2]))
for _, value in ipairs(due) do
  redis.call('ZREM', KEYS[1], value)
  redis.call('LPUSH', KEYS[2], value)
  local id = idOf(value)
  if id then
    redis.call('SADD', KEYS[3], id)
    if redis.call('EXISTS', ARGV[1] .. id) == 1 then
      redis.call('HSET', ARGV[1] .. id, 'state', 'queued')
    end
  end
end
return #due
