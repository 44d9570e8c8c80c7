--[[
  takeJobs: queued -> processing, several jobs in one step when the queue is deep.
  (When the queue is empty the worker blocks in BLMOVE instead, which moves one job the same way.)

  KEYS[1]  queue list (job_queue)
  KEYS[2]  processing list (job_queue:processing)
  ARGV[1]  the most jobs to take

  The values are moved as they are; activateJobs then rewrites them in place and leases them.
  Events: none.
  Returns: the values taken, oldest first (empty when the queue is empty).
]]
local taken = redis.call('RPOP', KEYS[1], tonumber(ARGV[1]))
if not taken then
  return {}
end
for _, value in ipairs(taken) do
  redis.call('LPUSH', KEYS[2], value)
end
return taken
