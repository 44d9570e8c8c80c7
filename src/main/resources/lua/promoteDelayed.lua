--[[
  promoteDelayed: delayed -> queued, for every job whose time has come (oldest due first).

  KEYS[1]  delayed jobs (job_queue:delayed)
  KEYS[2]  queue list (job_queue)
  KEYS[3]  announced ids (job_queue:announced)
  ARGV[1]  now (epoch ms)
  ARGV[2]  the most jobs to move in this call

  The job goes to the back of the line, like a new one, with the status it waited with ('retrying').
  Safe when many schedulers run it at once: each job is moved by exactly one of them.
  Events: none ('retrying' announced the job when it was delayed, so it counts as announced).
  Returns: how many jobs were moved.
]]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, value in ipairs(due) do
  redis.call('ZREM', KEYS[1], value)
  redis.call('LPUSH', KEYS[2], value)
  local ok, job = pcall(cjson.decode, value)
  if ok and type(job) == 'table' and (type(job.id) == 'string' or type(job.id) == 'number') then
    redis.call('SADD', KEYS[3], tostring(job.id))
  end
end
return #due
