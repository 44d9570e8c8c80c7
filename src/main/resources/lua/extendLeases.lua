--[[
  extendLeases: a worker process renews the leases on the jobs it holds.

  KEYS[1]  leases (job_queue:leases)
  ARGV[1]  new expiry (epoch ms)
  ARGV[2..]  the jobs' JSON in processing

  A lease that is gone (the reaper took it back, or the job finished) is not recreated.
  Events: none.
  Returns: for each job, 1 if its lease was renewed, 0 if it was gone.
]]
local result = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
    result[#result + 1] = 1
  else
    result[#result + 1] = 0
  end
end
return result
