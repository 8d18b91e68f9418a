-- wrk script: POST /v1/reports on intake with valid, distinct report bodies.
--
--   wrk -t2 -c32 -d20s --timeout 10s -s bench/wrk/report.lua http://127.0.0.1:8001
--
-- Each request has its own title ("... <thread>-<n>") and affected count, so no two bodies of a
-- run are the same; every body validates against services/intake/domain/report.py. Prints one JSON
-- line at the end (keys: see common.lua). Intake's per-client rate limit (INTAKE_REPORTS_PER_MINUTE)
-- answers 429 past its budget: raise it on the intake under test.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
common.install()

local path, aware_at, n = nil, nil, 0
local kinds = { "misdelivery", "loss", "unauthorized_access", "malware", "insider_takeout" }
local categories = { '"name", "email"', '"name", "credit_card"', '"name", "address", "phone"', '"customer_id"' }

local template = '{"reporter": {"name": "Bench Reporter", "email": "bench.reporter@example.co.jp", '
  .. '"division": "Retail Sales", "entity": "Example Holdings (JP)", "entity_country": "JP"}, '
  .. '"title": "Benchmark report %d-%d", '
  .. '"description": "A load-test report posted by bench/wrk/report.lua; no real personal data.", '
  .. '"incident_kind": "%s", "aware_at": "%s", "data_categories": [%s], '
  .. '"affected_count": %d, "subject_regions": {"JP": %d}}'

function init(args)
  path = common.path("/v1/reports")
  aware_at = common.utc_iso(600)
end

function request()
  n = n + 1
  local affected = 1 + (n * 7919 + thread_id * 104729) % 5000
  local body = string.format(template, thread_id, n, kinds[1 + n % #kinds], aware_at,
    categories[1 + n % #categories], affected, affected)
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end
