--[[
  reserveJobs: worker threads claim the jobs they have just taken into their reserved lists, before they start any.

  KEYS[1]  live worker processes (job_queue:workers: sorted set, member = process id, score = heartbeat expiry)
  KEYS[2]  announced ids (job_queue:announced)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  the workers' process id
  ARGV[3]  events channel (job_status)
  ARGV[4]  now, as the events' timestamp (ISO-8601 UTC)
  ARGV[5]  prefix of the hashes of jobs each process holds (job_queue:held:<process>: id -> JSON in processing)
  ARGV[1 + 5k] .. ARGV[5 + 5k]  for each job: its id, the token of this run ('<process>/<random>'), the worker's id,
                                its rev as taken (0 for none), and '1' if the worker read it from its list again after
                                a failed take (else '0')

  A job's record (a hash: state, run, worker) says who holds it. The job is this worker's unless its record shows it
  held by a live process (reserved: taken or running), waiting for a retry, or finished: then this value is a copy of
  a job that is already somewhere (another client pushed the same job twice), and its worker drops it unrun, so one
  job runs once. A hold by a process that is no longer registered is stale (that process died; its values went back
  to the queue) unless that process had started the job (it is in the process's held hash, where a reaper claims
  it); and so is one of this very worker's when the worker read its list again after a failed take (it claims what
  it finds anew, unless its process has started the job since). Outside of such a reading, a hold of this worker's
  is its own job, started or about to be, and the value a copy; so is a second value of one job in one call.
  A value of an older rev than the record's (the job was put back in line since: retried, stalled,
  handed back) is an old copy too: it would run with the counts of the job's past. Calling again with the same run
  tokens (a retry whose reply was lost) finds the holds already made.
  A process that is not registered (a reaper took it for dead while it was silent) may hold nothing: it gets -1 and
  must give the values back and register again.
  Events: 'queued' for a job reserved here whose id is not among the announced ones: another client LPUSHed it and
  published nothing, so it is announced now, before its 'processing' (and counts as announced until it starts, so
  that it is announced once even if it goes back to the queue unstarted).
  Returns: for each job, 1 if it is this worker's to run, 0 if it is a copy; or {-1} for an unregistered process.
]]
--@include holderOf
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  return {-1}
end
local ids = {}
for i = 6, #ARGV, 5 do
  ids[#ids + 1] = ARGV[i]
end
local announced = redis.call('SMISMEMBER', KEYS[2], unpack(ids))
local result, announce, seen = {}, {}, {}
for k, id in ipairs(ids) do
  local run, worker, rev, again = ARGV[2 + 5 * k], ARGV[3 + 5 * k], tonumber(ARGV[4 + 5 * k]), ARGV[5 + 5 * k] == '1'
  local record = ARGV[1] .. id
  local state, holder, reserver, current = unpack(redis.call('HMGET', record, 'state', 'run', 'worker', 'rev'))
  local free = not state or state == 'queued'
  if state == 'reserved' and holder ~= run then
    local process = holderOf(holder)
    if (again and reserver == worker) or not redis.call('ZSCORE', KEYS[1], process) then
      -- never started, unless the job is in its holder's held hash (a reaper claims it from there if it is dead)
      free = redis.call('HEXISTS', ARGV[5] .. process, id) == 0
    end
  end
  local mine = 0
  if seen[id] then
    mine = 0
  elseif holder == run and state == 'reserved' then
    mine = 1
  elseif free and rev >= (tonumber(current) or 0) then
    redis.call('HSET', record, 'state', 'reserved', 'run', run, 'worker', worker)
    if announced[k] == 0 then
      announce[#announce + 1] = id
      redis.call('PUBLISH', ARGV[3], '{"jobId":' .. cjson.encode(id) .. ',"status":"queued","timestamp":"' .. ARGV[4] .. '"}')
    end
    mine = 1
  end
  seen[id] = seen[id] or mine == 1
  result[k] = mine
end
if #announce > 0 then
  redis.call('SADD', KEYS[2], unpack(announce))
end
return result
