-- wrk script: replays one signed CreateSession request (POST /sessions) from WRK_REQ_FILE ("Name: value"
-- header lines, a blank line, the body; written by create_session_setup.py) and prints a WRKJSON line.
local function load_file(path)
  local f = assert(io.open(path, "r"))
  local text = f:read("*a"); f:close()
  local headers, body, in_body = {}, {}, false
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    if in_body then
      body[#body + 1] = line
    elseif line == "" then
      in_body = true
    else
      local k, v = line:match("^([^:]+):%s*(.*)$")
      if k then headers[k] = v end
    end
  end
  while #body > 0 and body[#body] == "" do body[#body] = nil end
  return headers, table.concat(body, "\n")
end

wrk.method = "POST"
wrk.path = "/sessions"
wrk.headers, wrk.body = load_file(assert(os.getenv("WRK_REQ_FILE"), "set WRK_REQ_FILE"))

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,"errors":%d,"non2xx":%d,' ..
    '"lat_p50_ms":%.3f,"lat_p99_ms":%.3f}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), errors,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
