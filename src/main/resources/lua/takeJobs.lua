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
  A taker whose fence is gone was taken for dead (claimDeadWorkers deletes the fences of the workers it buries; a
  live worker's fence exists from its first recoverReserved on): it takes nothing, and learns it, so that it neither
  waits in BLMOVE on a list no reaper will empty again nor goes on under its old identity.
  Events: none.
  Returns: how many jobs each taker got (one count per taker: a fenced-off one 0, one taken for dead -1), then the
  values taken, in that order (the first taker's first).
]]
local wanted, takers = 0, {}
for k = 1, #ARGV / 2 do
  local fence = redis.call('GET', KEYS[2 * k + 1])
  local count = 0
  if not fence then
    count = -1
  elseif fence == ARGV[2 * k] then
    count = tonumber(ARGV[2 * k - 1])
  end
  takers[k] = count
  wanted = wanted + math.max(count, 0)
end
local taken = wanted > 0 and redis.call('RPOP', KEYS[1], wanted) or false
local reply, from = {}, 1
for k = 1, #takers do
  local got = math.min(takers[k], 0)
  if taken and takers[k] > 0 then
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
