--[[
  moveToDelayed: processing -> delayed, for a failed attempt that will be retried after a backoff.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  leases (job_queue:leases)
  KEYS[3]  delayed jobs (job_queue:delayed: sorted set, member = the job's JSON, score = when it is due, ms)
  ARGV[3k-2], ARGV[3k-1], ARGV[3k]  for each job: its JSON in processing, its JSON while it waits, when it is due

  As in moveToFinished, only the holder of a live lease may move the job.
  Events: none (the worker route's wireTap publishes 'retrying').
  Returns: for each job, 1 if it was moved, 0 if the lease was lost.
]]
local result = {}
for i = 1, #ARGV, 3 do
  local moved = 0
  if redis.call('ZREM', KEYS[2], ARGV[i]) == 1 and redis.call('LREM', KEYS[1], -1, ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[3], ARGV[i + 2], ARGV[i + 1])
    moved = 1
  end
  result[#result + 1] = moved
end
return result
