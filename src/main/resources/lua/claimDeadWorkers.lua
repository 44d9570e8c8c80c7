--[[
  claimDeadWorkers: a reaper takes over what dead worker processes held.

  KEYS[1]  live worker processes (job_queue:workers: member = process id, score = heartbeat expiry, Redis ms)
  KEYS[2]  suspects (job_queue:suspects: member = process id, score = when a reaper first found it silent)
  KEYS[3]  queue list (job_queue)
  ARGV[1]  prefix of job records (job_queue:job:)
  ARGV[2]  prefix of the hashes of jobs each process holds (job_queue:held:, id -> JSON in processing)
  ARGV[3]  prefix of process descriptions (job_queue:worker:)
  ARGV[4]  prefix of reserved lists (job_queue:reserved:)
  ARGV[5]  how long (ms) a process must have been found silent before it is taken for dead
  ARGV[6]  the reaper's process id
  ARGV[7]  the token of this claim ('<reaper process>/<random>')
  ARGV[8]  the most started jobs to claim in this call
  ARGV[9]  prefix of take fences (job_queue:fence:)
  ARGV[10] '1' when the reaper's previous claim failed (its reply may have been lost after the claim was made)
  ARGV[11] how long (ms) after a burial the dead process's reserved lists are emptied once more
  KEYS[4]  buried processes (job_queue:buried: member = '<process id>|<threads>', score = when to look again)

  A process is dead when its heartbeat has run out and a reaper already found it silent at least ARGV[5] ms ago:
  two sightings, so that a pause of Redis itself (every heartbeat runs out while Redis sleeps) buries nobody; the
  live processes' heartbeats land between the two. Work is in proportion to what died, never to the length of the
  lists or the size of the jobs, and bounded per call: a process with more started jobs than ARGV[8] is taken over
  in several calls (it stays listed, and silent, until its last job is claimed).
  For a dead process:
  - the jobs it had reserved but not started go back to the front of the queue as they were, in their order
    (they never started: no stall, no attempt, no event);
  - the jobs it had started are claimed: held by the reaper's process under this claim's token, so that only this
    reaper moves them next (requeue as 'stalled', or moveToFinished when they stalled too often), and if the reaper
    dies too, the next reaper finds them among its jobs.
  A claim whose reply was lost leaves jobs held by the reaper's process under a token nobody knows: with ARGV[10],
  this reaper's earlier claims still held are claimed again under the new token first.
  A process taken for dead is buried: removed, with its take fences, once it holds nothing. If it was only silent, a
  blocking take it had sent may still move a job into its reserved list (a scripted take finds the fence gone and
  takes nothing): so its lists are emptied once more ARGV[11] ms later, longer than such a take can wait.
  A reaper never takes its own process for dead: the process runs, or the reaper would not. If its heartbeat cannot
  reach Redis while the reaper can, the process is silent to every other reaper, which claims it as above; a claim of
  its own would bury a process that goes on taking and starting jobs.
  Events: none (requeue publishes 'stalled').
  Returns: the claimed jobs as id, JSON pairs (flat).
]]
--@include redisNow
local now = redisNow()
local claimed = {}

local function emptyReservedLists(process, threads)
  for n = 1, threads do
    local reserved = ARGV[4] .. process .. '-' .. n
    while redis.call('LMOVE', reserved, KEYS[3], 'RIGHT', 'RIGHT') do
    end
    redis.call('DEL', ARGV[9] .. process .. '-' .. n)
  end
end

local budget = tonumber(ARGV[8])
if ARGV[10] == '1' then
  local mine = ARGV[2] .. ARGV[6]
  local page = redis.call('HSCAN', mine, 0, 'COUNT', 1000)[2]
  for j = 1, #page, 2 do
    local id, json = page[j], page[j + 1]
    if redis.call('HGET', ARGV[1] .. id, 'worker') == 'reaper@' .. ARGV[6] then
      redis.call('HSET', ARGV[1] .. id, 'run', ARGV[7])
      claimed[#claimed + 1] = id
      claimed[#claimed + 1] = json
      budget = budget - 1
    end
  end
end
local silent = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 10)
for _, process in ipairs(silent) do
  if budget <= 0 then
    break
  end
  if process ~= ARGV[6] then -- never itself: see above
    local seen = redis.call('ZSCORE', KEYS[2], process)
    if not seen then
      redis.call('ZADD', KEYS[2], now, process)
    elseif now - tonumber(seen) >= tonumber(ARGV[5]) then
      local description = ARGV[3] .. process
      local threads = tonumber(redis.call('HGET', description, 'threads')) or 0
      emptyReservedLists(process, threads)
      local held = ARGV[2] .. process
      local page = redis.call('HSCAN', held, 0, 'COUNT', budget)[2]
      for j = 1, #page, 2 do
        local id, json = page[j], page[j + 1]
        redis.call('HSET', ARGV[1] .. id, 'run', ARGV[7], 'worker', 'reaper@' .. ARGV[6])
        redis.call('HDEL', held, id)
        redis.call('HSET', ARGV[2] .. ARGV[6], id, json)
        claimed[#claimed + 1] = id
        claimed[#claimed + 1] = json
        budget = budget - 1
      end
      if redis.call('HLEN', held) == 0 then
        redis.call('DEL', description)
        redis.call('ZREM', KEYS[1], process)
        redis.call('ZREM', KEYS[2], process)
        redis.call('ZADD', KEYS[4], now + tonumber(ARGV[11]), process .. '|' .. threads)
      end
    end
  end
end
-- last: under Redis's maxmemory the claims above are refused at their first write (the reaper stands still), and a
-- write that frees memory ahead of them would let them through
for _, buried in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 10)) do
  local process, threads = string.match(buried, '^(.*)|(%d+)$')
  if process then
    emptyReservedLists(process, tonumber(threads))
  end
  redis.call('ZREM', KEYS[4], buried)
end
return claimed
