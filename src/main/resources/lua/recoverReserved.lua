--[[
  recoverReserved: a worker thread reads its reserved list after a take that failed (no answer in time, a dropped
  connection): Redis may have moved jobs for it all the same.

  KEYS[1]  the worker's reserved list (job_queue:reserved:<workerId>)
  KEYS[2]  its fence (job_queue:fence:<workerId>)
  KEYS[3]  live worker processes (job_queue:workers)
  ARGV[1]  the worker's process id

  Moving the fence first makes every take of this worker still on its way to Redis take nothing (takeJobs.lua), so
  what is read here is all the list will ever hold until the worker takes again.
  A worker whose process is not registered (taken for dead, or not registered yet) moves nothing: the fence of a
  worker a reaper buried stays gone, so that its takes keep finding it dead.
  Events: none.
  Returns: the new fence value, then the values in the list, oldest first; or {-1} for a process not registered.
]]
if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  return {'-1'}
end
local fence = redis.call('INCR', KEYS[2])
local values = redis.call('LRANGE', KEYS[1], 0, -1)
table.insert(values, 1, tostring(fence))
return values
