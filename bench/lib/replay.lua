-- wrk script: replays pre-signed requests (SigV4 allows a request to be replayed inside the
-- service's time window) from a file written by bench/lib/wrk.ts, one after another per thread.
-- The file holds records "<byte length>\n<raw HTTP/1.1 request>", Host header included (it is signed).
-- Usage: wrk -s bench/lib/replay.lua <url> -- <requests file>
local reqs = {}
local i = 0

init = function(args)
  local f = assert(io.open(args[1], "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  while pos <= #data do
    local nl = data:find("\n", pos, true)
    local len = tonumber(data:sub(pos, nl - 1))
    reqs[#reqs + 1] = data:sub(nl + 1, nl + len)
    pos = nl + len + 1
  end
  i = math.random(#reqs) - 1 -- threads start at different places in the pool
end

request = function()
  i = i % #reqs + 1
  return reqs[i]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JSON {\"requests\":%d,\"durationUs\":%d,\"non2xx\":%d,\"socketErrors\":%d,\"p50\":%f,\"p99\":%f,\"max\":%f}\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
