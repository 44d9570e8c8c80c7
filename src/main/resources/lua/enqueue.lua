--[[
  enqueue: new jobs -> queued.

  KEYS[1]  queue list (job_queue)
  KEYS[2]  announced ids (job_queue:announced: set of the ids of queued jobs whose 'queued' event is out)
  ARGV[1]  events channel (job_status)
  ARGV[3k-1], ARGV[3k], ARGV[3k+1]  for each job: its JSON, its 'queued' event JSON, its id

  Events: 'queued' for each job, published here, in the same step as the LPUSH, so that no
  worker can report 'processing' for a job before the event that announces it.
  Returns: the queue length after the push. Takes at least one job.
]]
local jobs, ids = {}, {}
for i = 2, #ARGV, 3 do
  jobs[#jobs + 1] = ARGV[i]
  ids[#ids + 1] = ARGV[i + 2]
  redis.call('PUBLISH', ARGV[1], ARGV[i + 1])
end
-- one LPUSH and one SADD for the whole batch (at most 1000 jobs, well within Lua's unpack limit)
local length = redis.call('LPUSH', KEYS[1], unpack(jobs))
redis.call('SADD', KEYS[2], unpack(ids))
return length
