-- wrk script: POST /v1/webhooks/generic on intake with SIGNED deliveries, each a distinct alert.
--
-- wrk's Lua has no HMAC, so the requests are signed beforehand by bench/loadgen.py, right before the
-- run (signatures carry a timestamp that intake accepts for 5 minutes):
--
--   .venv/bin/python -m bench.loadgen sign-webhooks --secret "$SECRET" --count 40000 --out var/bench/webhooks.tsv
--   PIDESK_WRK_REQUESTS=var/bench/webhooks.tsv PIDESK_WRK_THREADS=2 \
--     wrk -t2 -c32 -d20s --timeout 10s -s bench/wrk/generic_webhook.lua http://127.0.0.1:8001
--
-- (`python -m bench.loadgen webhooks ...` does both steps.) The file has one request a line:
-- "<unix seconds>\t<hex HMAC-SHA256 of 'timestamp.body'>\t<JSON body>". Thread k of
-- PIDESK_WRK_THREADS (which must equal wrk's -t) sends lines k, k+T, k+2T, ... so no two threads
-- send the same alert; a thread that runs out starts again from its first line, and those repeats
-- (answered 200 as known alerts, not 202) are counted in the result's "replayed".
-- Prints one JSON line at the end (keys: see common.lua).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
common.install()

local REPLAY_WINDOW = 300
local path, file, stride, wrapped = nil, nil, 1, false

-- the file is read as the run goes: thread k takes lines k, k+T, k+2T, ... and starts again past the end
local function rewind()
  file:seek("set", 0)
  for _ = 1, thread_id do
    file:read("*l")
  end
end

local function take()
  local line = file:read("*l")
  if line == nil then
    wrapped = true
    rewind()
    line = assert(file:read("*l"), "generic_webhook.lua: fewer signed requests than wrk threads")
  end
  for _ = 2, stride do
    if file:read("*l") == nil then
      break -- the next take() starts again
    end
  end
  return line
end

function init(args)
  path = common.path("/v1/webhooks/generic")
  local name = os.getenv("PIDESK_WRK_REQUESTS")
  if name == nil or name == "" then
    error("generic_webhook.lua: set PIDESK_WRK_REQUESTS to a file of signed requests (bench/loadgen.py)")
  end
  stride = tonumber(os.getenv("PIDESK_WRK_THREADS") or "1")
  if thread_id >= stride then
    error("generic_webhook.lua: PIDESK_WRK_THREADS=" .. stride .. " but wrk runs more threads (-t)")
  end
  file = assert(io.open(name, "r"))
  local first = file:read("*l")
  if first == nil then
    error("generic_webhook.lua: " .. name .. " is empty")
  end
  local stamp = tonumber(first:match("^(%d+)\t"))
  if stamp == nil or os.time() - stamp > REPLAY_WINDOW - 10 then
    error("generic_webhook.lua: the signed requests in " .. name .. " are stale or malformed; sign them again")
  end
  rewind()
end

function request()
  local line = take()
  if wrapped then
    replayed = replayed + 1
  end
  local stamp, signature, body = line:match("^(%d+)\t(%x+)\t(.*)$")
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["X-Pidesk-Timestamp"] = stamp,
    ["X-Pidesk-Signature"] = "sha256=" .. signature,
  }, body)
end
