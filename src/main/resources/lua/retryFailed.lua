--[[
  retryFailed: failed -> queued, by hand (POST /jobs/failed/{id}/retry, POST /jobs/failed/retry).

  KEYS[1]  failed list (job_queue:failed)
  KEYS[2]  queue list (job_queue)
  KEYS[3]  announced ids (job_queue:announced)
  ARGV[1]  events channel (job_status)
  ARGV[2]  prefix of job records (job_queue:job:)
  ARGV[3]  how long (ms) the record of a waiting job is kept
  ARGV[4 + 5k] .. ARGV[8 + 5k]  for each job: its JSON in failed, its id, its JSON as queued again, its 'queued'
                                event, its new rev

  The job goes to the back of the line, like a new one.
  Events: 'queued' for each job moved, in the same step (as enqueue does).
  Returns: for each job, 1 if it was moved, 0 if it was no longer in failed.
]]
local result = {}
for i = 4, #ARGV, 5 do
  local failed, id, queued, event, rev = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local moved = 0
  if redis.call('LREM', KEYS[1], 1, failed) == 1 then
    redis.call('LPUSH', KEYS[2], queued)
    redis.call('PUBLISH', ARGV[1], event)
    redis.call('SADD', KEYS[3], id)
    local record = ARGV[2] .. id
    redis.call('HSET', record, 'state', 'queued', 'rev', rev)
    redis.call('PEXPIRE', record, ARGV[3])
    moved = 1
  end
  result[#result + 1] = moved
end
return result
