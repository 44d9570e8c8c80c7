--[[
  startJobs: reserved -> processing, as each job starts; the jobs of many worker threads in one call.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  announced ids (job_queue:announced: a job counts as announced until it starts)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  prefix of the sets of jobs each process holds (job_queue:held:)
  ARGV[3]  the workers' process id
  ARGV[4]  events channel (job_status)
  ARGV[5 + 8k] .. ARGV[12 + 8k]  for each job:
           how: 'start' (a job this worker reserved), 'invalid' (a value that is not a job: it is started as a
                record that says why, so that it fails like any job) or 'drop' (a copy of a job that is already
                somewhere: its value is removed unrun)
           the worker's reserved list (job_queue:reserved:<workerId>), the value as taken, the job as started
           ('processing', with its worker and start time), its id, the token of this run, the worker's id,
           its 'processing' event

  Once started, a job is held by its process (job_queue:held:<process>): if the process dies, the job counts as
  stalled. A job whose hold is gone (the process was taken for dead and its reserved jobs went back to the queue) is
  not started. Calling again with the same runs (a retry whose reply was lost) finds the jobs already started.
  Events: 'processing' for each job started, in the same step: a 'stalled' can never come without it.
  Returns: for each job, 1 if it is started (now or by an earlier try), 2 if dropped, 0 if it is no longer this
  worker's.
]]
local result = {}
for i = 5, #ARGV, 8 do
  local how, reserved, taken, started, id, run, worker, event =
    ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
  local outcome = 0
  if how == 'drop' then
    if redis.call('LREM', reserved, 1, taken) == 1 then
      outcome = 2
    end
  else
    local record = ARGV[1] .. id
    local state, holder = unpack(redis.call('HMGET', record, 'state', 'run'))
    if state == 'processing' and holder == run then
      outcome = 1
    elseif (how == 'invalid' or (state == 'reserved' and holder == run))
        and redis.call('LREM', reserved, 1, taken) == 1 then
      redis.call('LPUSH', KEYS[1], started)
      if how == 'invalid' then
        redis.call('HSET', record, 'state', 'processing', 'json', started, 'worker', worker, 'process', ARGV[3],
          'run', run)
      else
        -- worker, process and run are the reservation's
        redis.call('HSET', record, 'state', 'processing', 'json', started)
        redis.call('PERSIST', record)
      end
      redis.call('SADD', ARGV[2] .. ARGV[3], id)
      redis.call('SREM', KEYS[2], id)
      redis.call('PUBLISH', ARGV[4], event)
      outcome = 1
    end
  end
  result[#result + 1] = outcome
end
return result
