-- wrk script for verify-load.sh: GET /v/{code}, rotating over the codes in
-- a file (one per line), each thread starting at a different place.
--
--   wrk ... -s rotate.lua URL -- CODES_FILE html|json LABEL
--
-- "json" sends Accept: application/json (the JSON form), "html" the
-- browser's Accept header. done() prints one line:
--   RESULT <label> <requests/s> <p50 ms> <p99 ms> <requests> <status >= 400> <socket errors>
-- with the label from the environment variable WRK_LABEL.

local codes = {}
local i = 1
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
end

function init(args)
   local file, mode = args[1], args[2]
   for line in io.lines(file) do
      if line ~= "" then
         codes[#codes + 1] = line
      end
   end
   if #codes == 0 then
      error("no codes in " .. file)
   end
   if mode == "json" then
      wrk.headers["Accept"] = "application/json"
   else
      wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
   end
   i = ((id or 1) * 7919) % #codes + 1
end

function request()
   local code = codes[i]
   i = i % #codes + 1
   return wrk.format("GET", "/v/" .. code)
end

function done(summary, latency, requests)
   -- done() runs in the main Lua state, which never saw init's args.
   local label = os.getenv("WRK_LABEL") or "run"
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format("RESULT %s %.0f %.2f %.2f %d %d %d\n",
      label, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
