--[[
  moveToFinished: processing -> completed, or processing -> failed.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  leases (job_queue:leases)
  KEYS[3]  destination list (job_queue:completed or job_queue:failed)
  ARGV[2k-1], ARGV[2k]  for each job: its JSON in processing, its finished JSON

  Only the holder of a live lease may finish a job: once the reaper has taken the lease back,
  the job belongs to the queue again and this attempt's result is dropped, so a job is never
  both requeued and finished.
  Events: none (the worker route's wireTap publishes 'completed' or 'failed').
  Returns: for each job, 1 if it was moved, 0 if the lease was lost.
]]
local result = {}
for i = 1, #ARGV, 2 do
  local moved = 0
  if redis.call('ZREM', KEYS[2], ARGV[i]) == 1 and redis.call('LREM', KEYS[1], -1, ARGV[i]) == 1 then
    redis.call('LPUSH', KEYS[3], ARGV[i + 1])
    moved = 1
  end
  result[#result + 1] = moved
end
return result
