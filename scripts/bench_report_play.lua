-- wrk script: every request reports a new play (a fresh event id) of the song in
-- $BENCH_SONG, as the player's beacon does (a form post); the session cookie comes from
-- wrk's -H option. BENCH_DELAY_MS paces each connection (a wait before every request):
-- a steady arrival rate instead of as fast as the server answers.
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  song = os.getenv("BENCH_SONG")
  pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
  n = 0
  math.randomseed(os.time() * 1000 + tid)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  n = n + 1
  local r = function(max) return math.random(0, max) end
  -- A v4 UUID whose last group is the thread and a counter: unique within the run.
  local id = string.format("%04x%04x-%04x-4%03x-a%03x-%04x%08x",
    r(0xffff), r(0xffff), r(0xffff), r(0xfff), r(0xfff), tid, n)
  local body = "event_id=" .. id .. "&song_id=" .. song ..
    "&started_at_ms=" .. string.format("%d", (os.time() - 120) * 1000) ..
    "&ms_played=31000&reason=finished&shuffle=false&source=album&source_id="
  return wrk.format(nil, nil, nil, body)
end

function delay()
  return pause
end

-- As scripts/bench_p95.lua (wrk runs one script): p95 for the report.
function done(summary, latency, requests)
  io.write(string.format("p95_us %d\n", latency:percentile(95)))
end
