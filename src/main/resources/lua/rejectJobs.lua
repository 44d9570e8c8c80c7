--[[
  rejectJobs: a taken value that is not a job (bad JSON, no id, too large) -> failed,
  wrapped in a job-shaped record that keeps the original text and says what is wrong.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  failed list (job_queue:failed)
  ARGV[2k-1], ARGV[2k]  for each value: the value as taken, the failed record

  Events: none (the worker route publishes 'failed').
  Returns: for each value, 1 if it was moved, 0 if it was no longer in processing.
]]
local result = {}
for i = 1, #ARGV, 2 do
  if redis.call('LREM', KEYS[1], 1, ARGV[i]) == 1 then
    redis.call('LPUSH', KEYS[2], ARGV[i + 1])
    result[#result + 1] = 1
  else
    result[#result + 1] = 0
  end
end
return result
