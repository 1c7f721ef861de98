-- wrk script of the benchmark harness. Arguments (after --): METHOD BODIES AUTHORIZATION
--   BODIES: "-" for no body, "const:<body>" for the same body on every request, or a file with one form body per
--           line, each sent once (codes and refresh tokens are single-use); the thread stops if the file runs out.
--   AUTHORIZATION: "-" or the Authorization header's value.
-- done() prints one line "WRK_JSON {...}" that the harness parses.

local bodies = nil
local constant = nil
local index = 0
local method = "GET"
local headers = {}

function init(args)
  method = args[1] or "GET"
  local source = args[2] or "-"
  if args[3] and args[3] ~= "-" then
    headers["Authorization"] = args[3]
  end
  if source ~= "-" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    if source:sub(1, 6) == "const:" then
      constant = source:sub(7)
    else
      bodies = {}
      for line in io.lines(source) do
        bodies[#bodies + 1] = line
      end
    end
  end
end

function request()
  local body = constant
  if bodies then
    index = index + 1
    if index > #bodies then
      wrk.thread:stop()
      index = #bodies
    end
    body = bodies[index]
  end
  return wrk.format(method, nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"status_errors":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    e.status, e.connect + e.read + e.write + e.timeout))
end
