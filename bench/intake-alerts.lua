-- wrk script: POST /api/v2/alerts with BATCH alerts per request, drawn from
-- about 10,000 distinct fingerprints (instance 0..9999), as Prometheus sends;
-- with MODE=new every alert is a new fingerprint instead.
local batch = tonumber(os.getenv("BATCH") or "1")
local fresh = os.getenv("MODE") == "new"
local counter = 0
local seq = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  math.randomseed(os.time() + id * 7919)
  start = os.time()
end

request = function()
  local parts = {}
  for i = 1, batch do
    local n = tostring(math.random(0, 9999))
    if fresh then
      seq = seq + 1
      n = string.format("%d-%d-%d", id, start, seq) -- this run's thread's own
    end
    parts[i] = string.format('{"labels":{"alertname":"BenchAlert","service":"bench","instance":"host-%s","severity":"warning"},"annotations":{"summary":"benchmark alert"},"startsAt":"2026-11-23T00:00:00Z"}', n)
  end
  local body = "[" .. table.concat(parts, ",") .. "]"
  return wrk.format("POST", "/api/v2/alerts", {["Content-Type"] = "application/json"}, body)
end
