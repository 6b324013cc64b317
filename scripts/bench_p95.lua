-- wrk script for every run: wrk's --latency lists p50/75/90/99 only; this prints p95
-- (microseconds) for scripts/bench_report.py.
function done(summary, latency, requests)
  io.write(string.format("p95_us %d\n", latency:percentile(95)))
end
