--[[
  claimStalled: the reaper takes over the jobs whose worker is gone, so that it can requeue or fail them.

  KEYS[1]  processing list (job_queue:processing)
  KEYS[2]  leases (job_queue:leases)
  KEYS[3]  unleased marks (job_queue:unleased: sorted set, member = a value seen in processing without a lease,
           score = when it was first seen, ms)
  ARGV[1]  now (epoch ms)
  ARGV[2]  until when the reaper holds what it claims (epoch ms)
  ARGV[3]  the most jobs to claim in this call
  ARGV[4]  how long a value may sit in processing without a lease before it counts as stalled (ms)

  Two kinds of stalled job are claimed:
  - a job whose lease has expired: its worker died, or hung, or lost Redis for longer than the lease;
  - a value in processing that never got a lease (its worker died between taking it and leasing it), found
    by mark and sweep: marked on the first pass that sees it, claimed once it has been unleased for ARGV[4].
  Claiming means leasing the job to the reaper (until ARGV[2]), so the usual scripts move it next and only
  one reaper gets it; if the reaper dies in between, the claim expires and the next pass claims it again.
  A lease on a value no longer in processing is dropped.
  Events: none.
  Returns: the claimed values.
]]
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
local grace = tonumber(ARGV[4])
local claimed = {}

local inProcessing = {}
for _, value in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  inProcessing[value] = true
end

for _, value in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  if not inProcessing[value] then
    redis.call('ZREM', KEYS[2], value)
  elseif #claimed < limit then
    redis.call('ZADD', KEYS[2], ARGV[2], value)
    claimed[#claimed + 1] = value
  end
end

for value in pairs(inProcessing) do
  if not redis.call('ZSCORE', KEYS[2], value) then
    local seen = redis.call('ZSCORE', KEYS[3], value)
    if not seen then
      redis.call('ZADD', KEYS[3], now, value)
    elseif now - tonumber(seen) >= grace and #claimed < limit then
      redis.call('ZREM', KEYS[3], value)
      redis.call('ZADD', KEYS[2], ARGV[2], value)
      claimed[#claimed + 1] = value
    end
  end
end

for _, value in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  if not inProcessing[value] or redis.call('ZSCORE', KEYS[2], value) then
    redis.call('ZREM', KEYS[3], value)
  end
end
return claimed
