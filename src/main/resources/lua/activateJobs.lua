--[[
  activateJobs: a taken value in processing -> the job rewritten as 'processing', with a lease.
  The job never leaves the processing list: the old value is replaced in the same step.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  leases (job_queue:leases: sorted set, member = the job's JSON in processing, score = lease expiry, ms)
  KEYS[3]  announced ids (job_queue:announced)
  ARGV[1]  lease expiry (epoch ms)
  ARGV[2]  events channel (job_status)
  ARGV[3]  now, as the events' timestamp (ISO-8601 UTC)
  ARGV[3k+1], ARGV[3k+2], ARGV[3k+3]  for each job: the value as taken, the value as rewritten, its id ('' for a
                                      value that is not a job)

  Events: 'queued' for a job whose id is not among the announced ones: another client LPUSHed it and
  published nothing, so it is announced now, before the worker route's wireTap publishes 'processing'.
  Returns: for each job, 1 if it was activated, 0 if its taken value was no longer in processing
  (the reaper gave it back to the queue, or the list was cleared).
]]
local result = {}
for i = 4, #ARGV, 3 do
  if redis.call('LREM', KEYS[1], 1, ARGV[i]) == 1 then
    redis.call('LPUSH', KEYS[1], ARGV[i + 1])
    redis.call('ZADD', KEYS[2], ARGV[1], ARGV[i + 1])
    local id = ARGV[i + 2]
    if id ~= '' and redis.call('SREM', KEYS[3], id) == 0 then
      redis.call('PUBLISH', ARGV[2],
        '{"jobId":' .. cjson.encode(id) .. ',"status":"queued","timestamp":"' .. ARGV[3] .. '"}')
    end
    result[#result + 1] = 1
  else
    result[#result + 1] = 0
  end
end
return result
