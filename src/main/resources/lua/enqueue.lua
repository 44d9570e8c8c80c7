--[[
  enqueue: new jobs -> queued.

  KEYS[1]  queue list (job_queue)
  KEYS[2]  announced ids (job_queue:announced: set of the ids of queued jobs whose 'queued' event is out)
  ARGV[1]  events channel (job_status)
  ARGV[3k-1], ARGV[3k], ARGV[3k+1]  for each job: its JSON, its 'queued' event JSON, its id

  Events: 'queued' for each job, published here, in the same step as the LPUSH, so that no
  worker can report 'processing' for a job before the event that announces it.
  Returns: the queue length after the last push.
]]
local length = 0
for i = 2, #ARGV, 3 do
  length = redis.call('LPUSH', KEYS[1], ARGV[i])
  redis.call('PUBLISH', ARGV[1], ARGV[i + 1])
  redis.call('SADD', KEYS[2], ARGV[i + 2])
end
return length
