-- wrk script for the load section of scripts/bench: each connection requests the pages given
-- after `--` in turn, and done() prints one parseable line. A response counts as an error unless it
-- is 2xx or 3xx (wrk's own "Non-2xx or 3xx" count is the same, but only as text in its summary).
--   wrk -c64 -d60s -s scripts/bench/load.lua -H "Cookie: sessionid=..." http://127.0.0.1:8000 -- /a/ /b/
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = args
  counter = 0
  bad = 0
  first_bad = ""
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status < 200 or status > 399 then
    bad = bad + 1
    if first_bad == "" then
      first_bad = tostring(status)
    end
  end
end

function done(summary, latency, requests)
  local total_bad, first = 0, ""
  for _, t in ipairs(threads) do
    total_bad = total_bad + (t:get("bad") or 0)
    local f = t:get("first_bad") or ""
    if first == "" then first = f end
  end
  local e = summary.errors
  io.write(string.format(
    "LOAD requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d bad=%d status_errors=%d " ..
    "connect=%d read=%d write=%d timeout=%d first_bad=%q\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    total_bad, e.status, e.connect, e.read, e.write, e.timeout, first))
end
