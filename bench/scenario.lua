-- Signed-in requests for wrk: `wrk ... -s bench/scenario.lua URL -- DATA.lua`.
--
-- DATA.lua (written by bench/load.py) returns {kind = ..., entries = {...}}; each entry is one member's
-- session cookie and CSRF token with what that member sends. Requests go round the entries, so
-- consecutive requests come from different members, as in an invitation campaign.
--   kind "get":      GET entry.path
--   kind "progress": POST /api/progress (JSON, X-CSRFToken), each member reporting the next small played
--                    segment of the video, so every report is plausible at normal playback speed
--   kind "form":     POST entry.path with entry.body (form-encoded); each entry is used once in turn

local data
local entries
local index = 0
local thread_id = 0
local thread_count = 1
local threads = {}
local user_agent = "council-course-bench/1"

function setup(thread)
   thread:set("thread_id", #threads)
   table.insert(threads, thread)
end

function init(args)
   data = dofile(args[1])
   thread_id = tonumber(wrk.thread:get("thread_id")) or 0
   thread_count = tonumber(args[2]) or 1
   -- Each wrk thread takes its own share of the members.
   entries = {}
   for i, entry in ipairs(data.entries) do
      if (i - 1) % thread_count == thread_id then
         table.insert(entries, entry)
      end
   end
end

local function headers_for(entry)
   return {
      ["Cookie"] = data.cookie_name .. "=" .. entry.cookie,
      ["User-Agent"] = user_agent,
   }
end

function request()
   index = index % #entries + 1
   local entry = entries[index]
   local headers = headers_for(entry)
   if data.kind == "progress" then
      local step = data.step
      local reports = entry.reports or 0
      entry.reports = reports + 1
      local start = (reports * step) % data.span
      local body = string.format(
         '{"module":"%s","language":"%s","segments":[[%.1f,%.1f]]}',
         entry.module, entry.language, start, start + step
      )
      headers["Content-Type"] = "application/json"
      headers["X-CSRFToken"] = entry.csrf
      return wrk.format("POST", entry.path, headers, body)
   elseif data.kind == "form" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      return wrk.format("POST", entry.path, headers, entry.body)
   end
   return wrk.format("GET", entry.path, headers)
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,'
         .. '"status":%d,"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
      summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
      errors.status, errors.timeout, latency:percentile(50), latency:percentile(95),
      latency:percentile(99), latency.max, latency.mean
   ))
end
