-- The process that holds a job under a run token: tokens are '<process id>/<random>' (WorkerIdentity.newRun).
local function holderOf(run)
  return run and string.match(run, '^(.*)/') or ''
end
