--[[
  enqueue: new jobs -> queued.

  KEYS[1]  queue list (job_queue)
  ARGV[1]  events channel (job_status)
  ARGV[2k], ARGV[2k+1]  for each job: its JSON, its 'queued' event JSON

  Events: 'queued' for each job, published here, in the same step as the LPUSH, so that no
  worker can report 'processing' for a job before the event that announces it.
  Returns: the queue length after the last push.
]]
local length = 0
for i = 2, #ARGV, 2 do
  length = redis.call('LPUSH', KEYS[1], ARGV[i])
  redis.call('PUBLISH', ARGV[1], ARGV[i + 1])
end
return length
