--[[
  enqueue: new jobs -> queued.

  KEYS[1]  queue list (job_queue)
  KEYS[2]  announced ids (job_queue:announced: set of the ids of queued jobs whose 'queued' event is out)
  ARGV[1]  events channel (job_status)
  ARGV[2]  prefix of idempotency keys (job_queue:idempotency:)
  ARGV[3]  how long (ms) an idempotency key is remembered
  ARGV[4k], ARGV[4k+1], ARGV[4k+2], ARGV[4k+3]  for each job: its JSON, its 'queued' event, its id, the
           client's idempotency key ('' for none)

  A job whose idempotency key was used within its time to live is not enqueued: the job that key created is
  returned instead, so a client that retries a request it got no answer to never makes a second job.
  The jobs are written before any event goes out: a Redis that is out of memory refuses the first write, and then
  nothing at all has happened (no event for a job that is not there).
  Events: 'queued' for each job enqueued, published here, in the same step as the LPUSH, so that no worker can
  report 'processing' for a job before the event that announces it.
  Returns: for each job, '' if it was enqueued, else the JSON of the job its idempotency key created.
]]
local result, jobs, ids, events, keys = {}, {}, {}, {}, {}
for i = 4, #ARGV, 4 do
  local json, event, id, key = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local existing = key ~= '' and (redis.call('GET', ARGV[2] .. key) or keys[key])
  if existing then
    result[#result + 1] = existing
  else
    result[#result + 1] = ''
    jobs[#jobs + 1] = json
    ids[#ids + 1] = id
    events[#events + 1] = event
    if key ~= '' then
      keys[key] = json
    end
  end
end
-- one LPUSH and one SADD for the whole batch (at most 1000 jobs, well within Lua's unpack limit)
if #jobs > 0 then
  redis.call('LPUSH', KEYS[1], unpack(jobs))
  redis.call('SADD', KEYS[2], unpack(ids))
end
for key, json in pairs(keys) do
  redis.call('SET', ARGV[2] .. key, json, 'PX', ARGV[3])
end
for _, event in ipairs(events) do
  redis.call('PUBLISH', ARGV[1], event)
end
return result
