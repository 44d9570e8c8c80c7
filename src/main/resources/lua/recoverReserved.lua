--[[
  recoverReserved: a worker thread reads its reserved list after a take that failed (no answer in time, a dropped
  connection): Redis may have moved jobs for it all the same.

  KEYS[1]  the worker's reserved list (job_queue:reserved:<workerId>)
  KEYS[2]  its fence (job_queue:fence:<workerId>)

  Moving the fence first makes every take of this worker still on its way to Redis take nothing (takeJobs.lua), so
  what is read here is all the list will ever hold until the worker takes again.
  Events: none.
  Returns: the new fence value, then the values in the list, oldest first.
]]
local fence = redis.call('INCR', KEYS[2])
local values = redis.call('LRANGE', KEYS[1], 0, -1)
table.insert(values, 1, tostring(fence))
return values
