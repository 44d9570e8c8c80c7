--[[
  moveToFinished: processing -> completed, or processing -> failed; the destination is trimmed to its retention.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  destination list (job_queue:completed or job_queue:failed)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  prefix of the hashes of jobs each process holds (job_queue:held:)
  ARGV[3]  the destination state: 'completed' or 'failed'
  ARGV[4]  how many jobs the destination keeps (-1: all, 0: none)
  ARGV[5]  how long (ms) a finished job is kept (-1: as long as the count allows)
  ARGV[6]  events channel (job_status)
  ARGV[7 + 5k] .. ARGV[11 + 5k]  for each job: its id, the token of the run that holds it, its JSON in processing,
                                 the job as finished, the event to publish ('' for none)

  Only the run that holds a job may finish it: the job must still be among its process's held jobs. Once a reaper has
  taken it over (its process was taken for dead) it is not, and the result is dropped, so a job is never both
  requeued and finished. A retry of a move whose reply was lost finds the job finished by this run and reports it
  moved. The record (its state and run) expires with the job. Trimming removes the oldest jobs past the count, and
  the oldest whose record has expired (older than the age), a few per call.
  Events: the given event for each job moved, in the same step (the reaper's 'failed'; the worker route passes ''
  and publishes through its wireTap).
  Returns: for each job, 1 if it was moved (now or by an earlier try), 0 if it is no longer this run's.
]]
--@include idOf
--@include holderOf
local keep, maxAge = tonumber(ARGV[4]), tonumber(ARGV[5])
-- with nothing kept, a record stays a minute: long enough for a retried move to find its job finished
local recordTtl = keep == 0 and 60000 or maxAge
local result, finishedJobs = {}, {}
for i = 7, #ARGV, 5 do
  local id, run, json, finished, event = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local record = ARGV[1] .. id
  local moved = 0
  if redis.call('HDEL', ARGV[2] .. holderOf(run), id) == 1 then
    redis.call('LREM', KEYS[1], -1, json)
    finishedJobs[#finishedJobs + 1] = finished
    redis.call('HSET', record, 'state', ARGV[3])
    if recordTtl > 0 then
      redis.call('PEXPIRE', record, recordTtl)
    end
    if event ~= '' then
      redis.call('PUBLISH', ARGV[6], event)
    end
    moved = 1
  else
    local state, holder = unpack(redis.call('HMGET', record, 'state', 'run'))
    if state == ARGV[3] and holder == run then
      moved = 1
    end
  end
  result[#result + 1] = moved
end
if keep ~= 0 and #finishedJobs > 0 then
  redis.call('LPUSH', KEYS[2], unpack(finishedJobs))
end

local budget = 2 * #result + 10
if keep > 0 then
  local over = math.min(redis.call('LLEN', KEYS[2]) - keep, budget)
  if over > 0 then
    local records = {}
    for _, oldest in ipairs(redis.call('RPOP', KEYS[2], over)) do
      local id = idOf(oldest)
      if id then
        records[#records + 1] = ARGV[1] .. id
      end
    end
    if #records > 0 then
      redis.call('DEL', unpack(records))
    end
    budget = budget - over
  end
end
if maxAge > 0 then
  while budget > 0 do
    local oldest = redis.call('LINDEX', KEYS[2], -1)
    if not oldest then
      break
    end
    local id = idOf(oldest)
    if id and redis.call('EXISTS', ARGV[1] .. id) == 1 then
      break
    end
    redis.call('RPOP', KEYS[2])
    budget = budget - 1
  end
end
return result
