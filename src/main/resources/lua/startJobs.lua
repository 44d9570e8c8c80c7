--[[
  startJobs: reserved -> processing, as each job starts; the jobs of many worker threads in one call.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  announced ids (job_queue:announced: a job counts as announced until it starts)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  events channel (job_status)
  ARGV[3]  prefix of the hashes of jobs each process holds (job_queue:held:<process>: id -> the job's JSON in
           processing)
  ARGV[4 + 8k] .. ARGV[11 + 8k]  for each job:
           how: 'start' (a job this worker reserved), 'invalid' (a value that is not a job: it is started as a
                record that says why, so that it fails like any job) or 'drop' (a copy of a job that is already
                somewhere: its value is removed unrun)
           the worker's reserved list (job_queue:reserved:<workerId>), the value as taken, the job as started
           ('processing', with its worker and start time), its id, the token of this run, the worker's id,
           its 'processing' event

  A job is this worker's to start when its value is still in the worker's reserved list: a reaper that took the
  process for dead would have moved it back to the queue. Once started, a job is held by the process its run token
  names: if that process dies, the job counts as stalled, and a reaper finds its JSON there. Calling again with the same runs
  (a retry whose reply was lost) finds the jobs already started. Pushes and set changes are made once per call.
  Events: 'processing' for each job started, in the same step: a 'stalled' can never come without it.
  Returns: for each job, 1 if it is started (now or by an earlier try), 2 if dropped, 0 if it is no longer this
  worker's.
]]
--@include holderOf
local result, started, held, ids = {}, {}, {}, {}
for i = 4, #ARGV, 8 do
  local how, reserved, taken, json, id, run, worker, event =
    ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
  local outcome = 0
  if redis.call('LREM', reserved, 1, taken) == 1 then
    if how == 'drop' then
      outcome = 2
    else
      if how == 'invalid' then
        redis.call('HSET', ARGV[1] .. id, 'state', 'reserved', 'run', run, 'worker', worker)
      end
      started[#started + 1] = json
      local process = holderOf(run)
      held[process] = held[process] or {}
      table.insert(held[process], id)
      table.insert(held[process], json)
      ids[#ids + 1] = id
      redis.call('PUBLISH', ARGV[2], event)
      outcome = 1
    end
  elseif how ~= 'drop' and redis.call('HGET', ARGV[3] .. holderOf(run), id) == json then
    outcome = 1 -- started by an earlier try of this call, whose reply was lost
  end
  result[#result + 1] = outcome
end
if #started > 0 then
  redis.call('LPUSH', KEYS[1], unpack(started))
  for process, entries in pairs(held) do
    redis.call('HSET', ARGV[3] .. process, unpack(entries))
  end
  redis.call('SREM', KEYS[2], unpack(ids))
end
return result
