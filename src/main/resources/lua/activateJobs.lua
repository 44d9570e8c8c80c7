--[[
  activateJobs: a taken value in processing -> the job rewritten as 'processing', with a lease.
  The job never leaves the processing list: the old value is replaced in the same step.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  leases (job_queue:leases: sorted set, member = the job's JSON in processing, score = lease expiry, ms)
  ARGV[1]  lease expiry (epoch ms)
  ARGV[2k], ARGV[2k+1]  for each job: the value as taken, the value as rewritten

  Events: none ('processing' is published by the worker route's wireTap).
  Returns: for each job, 1 if it was activated, 0 if its taken value was no longer in processing
  (the reaper gave it back to the queue, or the list was cleared).
]]
local result = {}
for i = 2, #ARGV, 2 do
  if redis.call('LREM', KEYS[1], 1, ARGV[i]) == 1 then
    redis.call('LPUSH', KEYS[1], ARGV[i + 1])
    redis.call('ZADD', KEYS[2], ARGV[1], ARGV[i + 1])
    result[#result + 1] = 1
  else
    result[#result + 1] = 0
  end
end
return result
