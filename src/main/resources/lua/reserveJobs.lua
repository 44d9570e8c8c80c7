--[[
  reserveJobs: worker threads claim the jobs they have just taken into their reserved lists, before they start any.

  KEYS[1]  live worker processes (job_queue:workers: sorted set, member = process id, score = heartbeat expiry)
  KEYS[2]  announced ids (job_queue:announced)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  the workers' process id
  ARGV[3]  events channel (job_status)
  ARGV[4]  now, as the events' timestamp (ISO-8601 UTC)
  ARGV[1 + 4k] .. ARGV[4 + 4k]  for each job: its id, the token of this run ('<process>/<random>'), the worker's id,
                                its rev as taken (0 for none)

  A job's record (a hash: state, run, worker) says who holds it. The job is this worker's unless its record shows it
  held by a live process (reserved: taken or running), waiting for a retry, or finished: then this value is a copy of
  a job that is already somewhere (another client pushed the same job twice), and its worker drops it unrun, so one
  job runs once. A hold by a process that is no longer registered is stale (that process died; its values went back
  to the queue), and so is one of this very worker's (it read its list again after a failed take, and claims what it
  finds anew). A value of an older rev than the record's (the job was put back in line since: retried, stalled,
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
for i = 5, #ARGV, 4 do
  ids[#ids + 1] = ARGV[i]
end
local announced = redis.call('SMISMEMBER', KEYS[2], unpack(ids))
local result, announce = {}, {}
for k, id in ipairs(ids) do
  local run, worker, rev = ARGV[2 + 4 * k], ARGV[3 + 4 * k], tonumber(ARGV[4 + 4 * k])
  local record = ARGV[1] .. id
  local state, holder, reserver, current = unpack(redis.call('HMGET', record, 'state', 'run', 'worker', 'rev'))
  local mine = 0
  if holder == run and state == 'reserved' then
    mine = 1
  elseif rev >= (tonumber(current) or 0) and (not state or state == 'queued' or (state == 'reserved'
      and (reserver == worker or not redis.call('ZSCORE', KEYS[1], holderOf(holder))))) then
    redis.call('HSET', record, 'state', 'reserved', 'run', run, 'worker', worker)
    if announced[k] == 0 then
      announce[#announce + 1] = id
      redis.call('PUBLISH', ARGV[3], '{"jobId":' .. cjson.encode(id) .. ',"status":"queued","timestamp":"' .. ARGV[4] .. '"}')
    end
    mine = 1
  end
  result[k] = mine
end
if #announce > 0 then
  redis.call('SADD', KEYS[2], unpack(announce))
end
return result
