--[[
  takeJobs: queued -> reserved, for every worker thread that asked during one group commit.
  (A worker that finds the queue empty blocks in BLMOVE <queue> <its reserved list> RIGHT RIGHT instead, which
  moves one job the same way.)

  KEYS[1]      queue list (job_queue)
  KEYS[1 + k]  the k-th taker's reserved list (job_queue:reserved:<workerId>)
  ARGV[k]      the most jobs the k-th taker wants

  Jobs leave the queue from its front (the right end, oldest first) and are appended to each taker's reserved list
  in that order, byte for byte: nothing is parsed here. A reserved job is its worker's alone, but not started: if the
  worker's process dies, the reaper puts it back in the queue as it was (claimDeadWorkers).
  Events: none.
  Returns: the values taken, in the order shared out (the first taker's first).
]]
local wanted = 0
for k = 1, #ARGV do
  wanted = wanted + tonumber(ARGV[k])
end
local taken = redis.call('RPOP', KEYS[1], wanted)
if not taken then
  return {}
end
local from = 1
for k = 1, #ARGV do
  local to = math.min(#taken, from + tonumber(ARGV[k]) - 1)
  if to < from then
    break
  end
  redis.call('RPUSH', KEYS[k + 1], unpack(taken, from, to))
  from = to + 1
end
return taken
