--[[
  moveToDelayed: processing -> delayed, for a failed attempt that is retried after a backoff.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  delayed jobs (job_queue:delayed: sorted set, member = the job's JSON, score = when it is due, Redis ms)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  prefix of the sets of jobs each process holds (job_queue:held:)
  ARGV[3 + 4k] .. ARGV[6 + 4k]  for each job: its id, the token of the run that holds it, the job as it waits
                                ('retrying'), the backoff (ms)

  The due time is Redis's clock plus the backoff, so a worker whose clock is off delays nothing by its error.
  As in moveToFinished, only the run that holds the job may move it, and a retried move finds it moved.
  Events: none (the worker route's wireTap publishes 'retrying').
  Returns: for each job, 1 if it was moved (now or by an earlier try), 0 if it is no longer this run's.
]]
--@include redisNow
local now = redisNow()
local result = {}
for i = 3, #ARGV, 4 do
  local id, run, waiting, backoff = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local record = ARGV[1] .. id
  local state, holder, json, process = unpack(redis.call('HMGET', record, 'state', 'run', 'json', 'process'))
  local moved = 0
  if holder == run and state == 'delayed' then
    moved = 1
  elseif holder == run and state == 'processing' then
    redis.call('LREM', KEYS[1], -1, json)
    redis.call('ZADD', KEYS[2], now + backoff, waiting)
    redis.call('HSET', record, 'state', 'delayed', 'json', waiting)
    redis.call('SREM', ARGV[2] .. process, id)
    moved = 1
  end
  result[#result + 1] = moved
end
return result
