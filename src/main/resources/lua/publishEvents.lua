--[[
  publishEvents: status notifications for transitions a worker has already made (no job moves here).

  ARGV[1]     events channel (job_status)
  ARGV[2..]   the events, in the order they happened

  One call publishes every event that was waiting, in order, in one round trip.
  Returns: how many events were published.
]]
for i = 2, #ARGV do
  redis.call('PUBLISH', ARGV[1], ARGV[i])
end
return #ARGV - 1
