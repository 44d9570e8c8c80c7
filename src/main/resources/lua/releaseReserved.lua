--[[
  releaseReserved: reserved -> queued, at the front of the line, for jobs a worker took but will not start: it is
  stopping, it starts again under a new process id, or the job in front of them has run too long and other workers
  should have them.

  KEYS[1]  the worker's reserved list (job_queue:reserved:<workerId>)
  KEYS[2]  queue list (job_queue)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  the worker's process id
  ARGV[1 + 2k], ARGV[2 + 2k]  for each job, in the order taken: the value as taken, its id ('' for a value that is
                              not a job)

  The values go back byte for byte and in their order (the oldest nearest the front), as if never taken; the records
  this process's reservations made say 'queued' again. Never started, they count no stall and no attempt.
  Events: none.
  Returns: how many jobs went back.
]]
--@include holderOf
local released = 0
for i = #ARGV - 1, 3, -2 do
  local taken, id = ARGV[i], ARGV[i + 1]
  if redis.call('LREM', KEYS[1], 1, taken) == 1 then
    redis.call('RPUSH', KEYS[2], taken)
    if id ~= '' then
      local record = ARGV[1] .. id
      local state, run = unpack(redis.call('HMGET', record, 'state', 'run'))
      if state == 'reserved' and holderOf(run) == ARGV[2] then
        redis.call('HSET', record, 'state', 'queued')
      end
    end
    released = released + 1
  end
end
return released
