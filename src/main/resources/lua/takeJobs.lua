--[[
  takeJobs: queued -> reserved, for every worker thread that asked during one group commit.
  (A worker that finds the queue empty blocks in BLMOVE <queue> <its reserved list> RIGHT RIGHT instead, which
  moves one job the same way.)

  KEYS[1]          queue list (job_queue)
  KEYS[2k], KEYS[2k + 1]  the k-th taker's reserved list (job_queue:reserved:<workerId>) and fence
                          (job_queue:fence:<workerId>)
  ARGV[2k - 1], ARGV[2k]  the most jobs the k-th taker wants, and the fence value it took them under

  Jobs leave the queue from its front (the right end, oldest first) and are appended to each taker's reserved list
  in that order, byte for byte: nothing is parsed here. A reserved job is its worker's alone, but not started: if the
  worker's process dies, a reaper puts it back in the queue as it was (claimDeadWorkers).
  A take that reaches Redis after its worker gave up waiting for it (a timeout, a network that held the bytes) finds
  the fence moved (recoverReserved.lua, run by the worker before it looks at its list again) and takes nothing, so
  no job lands in a list its worker no longer reads.
  Events: none.
  Returns: how many jobs each taker got (one count per taker, a fenced-off one 0), then the values taken, in that
  order (the first taker's first).
]]
local wanted, takers = 0, {}
for k = 1, #ARGV / 2 do
  local fence = redis.call('GET', KEYS[2 * k + 1]) or '0'
  local count = fence == ARGV[2 * k] and tonumber(ARGV[2 * k - 1]) or 0
  takers[k] = count
  wanted = wanted + count
end
local taken = wanted > 0 and redis.call('RPOP', KEYS[1], wanted) or false
local reply, from = {}, 1
for k = 1, #takers do
  local got = 0
  if taken then
    local to = math.min(#taken, from + takers[k] - 1)
    if to >= from then
      redis.call('RPUSH', KEYS[2 * k], unpack(taken, from, to))
      got = to - from + 1
      from = to + 1
    end
  end
  reply[k] = got
end
if taken then
  for _, value in ipairs(taken) do
    reply[#reply + 1] = value
  end
end
return reply
