-- The id of a job from its JSON: read from the start of the text when the job was written by this system (which
-- writes "id" first), else by decoding it. Nil for a value that has no string id.
local function idOf(value)
  local id = string.match(value, '^{"id":"([^"\\]*)"')
  if id then
    return id
  end
  local ok, job = pcall(cjson.decode, value)
  if ok and type(job) == 'table' and type(job.id) == 'string' then
    return job.id
  end
  return nil
end
