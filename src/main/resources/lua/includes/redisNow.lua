-- Now, in epoch milliseconds, by Redis's clock: hosts whose clocks disagree still agree on lease and due times.
local function redisNow()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
