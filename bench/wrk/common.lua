-- Shared by the wrk scripts in this folder (loaded with dofile, see report.lua).
--
-- Gives every wrk thread an id (thread_id, 0-based), counts the answers by status code in each
-- thread, and prints ONE JSON line when the run is done (bench/loadgen.py parses it):
--
--   {"tool": "wrk", "requests": N, "duration_s": S, "requests_per_second": R,
--    "p50_ms": .., "p90_ms": .., "p99_ms": .., "max_ms": .., "mean_ms": ..,
--    "non_2xx": N, "socket_errors": N,
--    "errors": {"connect": N, "read": N, "write": N, "timeout": N},
--    "status_counts": {"202": N, ...}, "replayed": N}
--
-- Latencies are wrk's own (from writing a request to reading its answer on one connection:
-- closed-loop, so under overload they hide the queueing a fixed-rate client would see).
-- "replayed" counts requests a script had to send again because its supply of distinct
-- requests ran out (only scripts that read prepared requests set it).

local M = {}

-- main state: setup() sees every thread before it starts
local threads = {}

function M.setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

-- thread states: per-thread counters, read back by done() through thread:get
status_counts = {}
replayed = 0

function M.response(status, headers, body)
  status_counts[status] = (status_counts[status] or 0) + 1
end

local function ms(us)
  return string.format("%.3f", us / 1000)
end

function M.done(summary, latency, requests)
  local counts, non_2xx, replays = {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("status_counts") or {}) do
      counts[status] = (counts[status] or 0) + n
      if status < 200 or status > 299 then
        non_2xx = non_2xx + n
      end
    end
    replays = replays + (thread:get("replayed") or 0)
  end
  local statuses = {}
  for status, n in pairs(counts) do
    table.insert(statuses, string.format('"%d": %d', status, n))
  end
  table.sort(statuses)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"tool": "wrk", "requests": %d, "duration_s": %.3f, "requests_per_second": %.2f, '
      .. '"p50_ms": %s, "p90_ms": %s, "p99_ms": %s, "max_ms": %s, "mean_ms": %s, '
      .. '"non_2xx": %d, "socket_errors": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"status_counts": {%s}, "replayed": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)),
    ms(latency.max), ms(latency.mean),
    non_2xx, e.connect + e.read + e.write + e.timeout,
    e.connect, e.read, e.write, e.timeout,
    table.concat(statuses, ", "), replays
  ))
end

-- the request path: the URL's own path when one was given, else the script's default
function M.path(default)
  if wrk.path == nil or wrk.path == "" or wrk.path == "/" then
    return default
  end
  return wrk.path
end

-- an ISO 8601 UTC time `seconds_ago` before now
function M.utc_iso(seconds_ago)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - (seconds_ago or 0))
end

-- installs the hooks every script shares
function M.install()
  setup = M.setup
  response = M.response
  done = M.done
end

return M
