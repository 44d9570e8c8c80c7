--[[
  activateJobs: a taken value in processing -> the job rewritten as 'processing', with a lease.
  The job never leaves the processing list: the old value is replaced in the same step.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  leases (job_queue:leases: sorted set, member = the job's JSON in processing, score = lease expiry, ms)
  KEYS[3]  announced ids (job_queue:announced)
  ARGV[1]  lease expiry (epoch ms)
  ARGV[2]  events channel (job_status)
  ARGV[3]  now, as the events' timestamp (ISO-8601 UTC)
  ARGV[3k+1], ARGV[3k+2], ARGV[3k+3]  for each job, in the order taken: the value as taken, the value as rewritten,
                                      its id ('' for a value that is not a job)

  Events: 'queued' for a job whose id is not among the announced ones: another client LPUSHed it and
  published nothing, so it is announced now, before the worker route's wireTap publishes 'processing'.
  Returns: for each job, 1 if it was activated, 0 if its taken value was no longer in processing
  (the reaper gave it back to the queue, or the list was cleared).

  LREM is O(what it passes) and scans from the head, where the newest taken value is: removing the last job first and
  pushing the rewritten values after all removals keeps each scan short.
]]
local jobs = (#ARGV - 3) / 3
local result = {}
for k = jobs, 1, -1 do
  result[k] = redis.call('LREM', KEYS[1], 1, ARGV[3 * k + 1])
end
local rewritten = {}
for k = 1, jobs do
  if result[k] == 1 then
    local value, id = ARGV[3 * k + 2], ARGV[3 * k + 3]
    rewritten[#rewritten + 1] = value
    redis.call('ZADD', KEYS[2], ARGV[1], value)
    if id ~= '' and redis.call('SREM', KEYS[3], id) == 0 then
      redis.call('PUBLISH', ARGV[2],
        '{"jobId":' .. cjson.encode(id) .. ',"status":"queued","timestamp":"' .. ARGV[3] .. '"}')
    end
  end
end
-- oldest first, so that the oldest job ends nearest the tail, where finishing scans (LREM -1) begin
for from = 1, #rewritten, 1000 do
  redis.call('LPUSH', KEYS[1], unpack(rewritten, from, math.min(#rewritten, from + 999)))
end
return result
