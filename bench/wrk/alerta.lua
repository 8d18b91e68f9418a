-- wrk script: POST /alert on an Alerta server (the peer comparison, bench/peer_alerta.sh), with a
-- distinct resource per request so each one creates a new alert rather than a duplicate.
--
--   wrk -t2 -c32 -d20s --timeout 10s -s bench/wrk/alerta.lua http://127.0.0.1:8080
--
-- The body passes Alerta's default reject policy (environment in ALLOWED_ENVIRONMENTS, a service).
-- Prints one JSON line at the end (keys: see common.lua).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
common.install()

local path, n = nil, 0
local template = '{"resource": "bench-host-%d-%d", "event": "PersonalDataExposure", '
  .. '"environment": "Production", "service": ["pidesk-bench"], "severity": "major", '
  .. '"group": "Privacy", "value": "%d records", "origin": "wrk/alerta.lua", "type": "benchmark", '
  .. '"text": "Order confirmation sent to the wrong customer (load test, no real data).", '
  .. '"tags": ["bench", "misdelivery"], "attributes": {"entity": "Example Holdings (JP)", "affected": %d}}'

function init(args)
  path = common.path("/alert")
end

function request()
  n = n + 1
  local affected = 1 + (n * 7919 + thread_id * 104729) % 5000
  local body = string.format(template, thread_id, n, affected, affected)
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end
