--[[
  requeue: processing -> queued, at the front of the line (the next job taken).
  Used for a job whose worker gave it back unstarted (shutdown) and for a stalled job (lease expired).

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  leases (job_queue:leases)
  KEYS[3]  queue list (job_queue)
  KEYS[4]  announced ids (job_queue:announced)
  ARGV[1]  events channel (job_status)
  ARGV[4k-2] .. ARGV[4k+1]  for each job: its JSON in processing, its JSON as queued again,
                            the event to publish ('' for none), its id ('' for a value that is not a job)

  Events: the given event for each job moved ('stalled' from the reaper), published in this step so that it
  always comes before the 'processing' event of the worker that takes the job next. The job counts as
  announced (its 'queued' event went out when it first joined the queue).
  Returns: for each job, 1 if it was moved, 0 if it was no longer in processing.
]]
local result = {}
for i = 2, #ARGV, 4 do
  local moved = 0
  if redis.call('LREM', KEYS[1], -1, ARGV[i]) == 1 then
    redis.call('ZREM', KEYS[2], ARGV[i])
    redis.call('RPUSH', KEYS[3], ARGV[i + 1])
    if ARGV[i + 2] ~= '' then
      redis.call('PUBLISH', ARGV[1], ARGV[i + 2])
    end
    if ARGV[i + 3] ~= '' then
      redis.call('SADD', KEYS[4], ARGV[i + 3])
    end
    moved = 1
  end
  result[#result + 1] = moved
end
return result
