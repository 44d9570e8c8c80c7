--[[
  requeue: processing -> queued, at the front of the line (the next job taken).
  For a job whose process died while it ran (claimed by a reaper: 'stalled'), and for a job still running when its
  process's shutdown timeout ran out (handed back by its worker).

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  queue list (job_queue)
  KEYS[3]  announced ids (job_queue:announced)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  prefix of the hashes of jobs each process holds (job_queue:held:)
  ARGV[3]  events channel (job_status)
  ARGV[4 + 5k] .. ARGV[8 + 5k]  for each job: its id, the token of the run that holds it (the reaper's claim, or the
                                worker's run), the job as queued again, the event to publish ('' for none), its new rev

  Only the holder may requeue the job (it must be among its process's held jobs, whose hash also gives its JSON in
  processing); a retry whose reply was lost finds it requeued by this run.
  Events: the given event ('stalled', or 'queued' for a job handed back), published in this step so that it always
  comes before the 'processing' of the worker that takes the job next. The job counts as announced.
  Returns: for each job, 1 if it was requeued (now or by an earlier try), 0 if it is no longer this holder's.
]]
--@include holderOf
local result = {}
for i = 4, #ARGV, 5 do
  local id, run, queued, event, rev = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local record, held = ARGV[1] .. id, ARGV[2] .. holderOf(run)
  local json = redis.call('HGET', held, id)
  local moved = 0
  if json then
    redis.call('HDEL', held, id)
    redis.call('LREM', KEYS[1], -1, json)
    redis.call('RPUSH', KEYS[2], queued)
    redis.call('HSET', record, 'state', 'queued', 'rev', rev)
    redis.call('SADD', KEYS[3], id)
    if event ~= '' then
      redis.call('PUBLISH', ARGV[3], event)
    end
    moved = 1
  else
    local state, holder = unpack(redis.call('HMGET', record, 'state', 'run'))
    if state == 'queued' and holder == run then
      moved = 1
    end
  end
  result[#result + 1] = moved
end
return result
