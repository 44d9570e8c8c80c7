--[[
  moveToDelayed: processing -> delayed, for a failed attempt that is retried after a backoff.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  delayed jobs (job_queue:delayed: sorted set, member = the job's JSON, score = when it is due, Redis ms)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  prefix of the hashes of jobs each process holds (job_queue:held:)
  ARGV[3 + 6k] .. ARGV[8 + 6k]  for each job: its id, the token of the run that holds it, its JSON in processing,
                                the job as it waits ('retrying'), the backoff (ms), its new rev

  The due time is Redis's clock plus the backoff, so a worker whose clock is off delays nothing by its error.
  As in moveToFinished, only the run that holds the job may move it, and a retried move finds it moved.
  Events: none (the worker route's wireTap publishes 'retrying').
  Returns: for each job, 1 if it was moved (now or by an earlier try), 0 if it is no longer this run's.
]]
--@include redisNow
--@include holderOf
local now = redisNow()
local result = {}
for i = 3, #ARGV, 6 do
  local id, run, json, waiting, backoff, rev = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4]), ARGV[i + 5]
  local record = ARGV[1] .. id
  local moved = 0
  if redis.call('HDEL', ARGV[2] .. holderOf(run), id) == 1 then
    redis.call('LREM', KEYS[1], -1, json)
    redis.call('ZADD', KEYS[2], now + backoff, waiting)
    redis.call('HSET', record, 'state', 'delayed', 'rev', rev)
    moved = 1
  else
    local state, holder = unpack(redis.call('HMGET', record, 'state', 'run'))
    if state == 'delayed' and holder == run then
      moved = 1
    end
  end
  result[#result + 1] = moved
end
return result
