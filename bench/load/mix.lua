-- wrk script for kb-server: a mix of what people do on a help centre.
--   KB_LOAD_TICKET_PERCENT (default 5) of requests are tickets: half JSON
--   POST /api/tickets, half the HTML form POST /tickets with this thread's
--   session cookie and its CSRF token (fetched from /tickets/new first).
--   The rest: 52% /api/search (instant search, varied queries, some with
--   no hits), 13% /search (the results page), 17% /api/suggest, 18%
--   /articles/... (article pages).
-- Each wrk thread is one visitor at a time, keeping its kb_session cookie
-- as a browser does, and a new visitor (and ticket form session) every 40
-- requests.
-- Environment: KB_LOAD_SLUGS (file, one article slug per line),
-- KB_LOAD_DELAY_MS (pause between a connection's requests; 0 = flat out).
-- done() prints status counts per class and one "kb-load:" summary line.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local queries = {
  "vpn", "vpn keeps disconnecting", "printer offline", "reset password", "wifi", "mfa lost phone",
  "outlook password prompt", "blue screen", "disk full", "restore deleted files", "teams audio",
  "bluetooth headset", "docking station monitor", "phishing", "account locked", "zzqx nothing here",
  "windows update stuck", "macos update", "tls certificate", "slow computer", "プリンター", "비밀번호",
}
local prefixes = { "v", "vp", "pri", "pass", "wi", "out", "blu", "dis", "res", "tea", "mf", "acc" }
local slugs = {}
local counter = 0
local delay_ms = tonumber(os.getenv("KB_LOAD_DELAY_MS") or "0") or 0
local ticket_percent = tonumber(os.getenv("KB_LOAD_TICKET_PERCENT") or "5") or 5

statuses = {}
session, csrf = nil, nil
visitor, visitor_requests = nil, 0

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local path = os.getenv("KB_LOAD_SLUGS")
  if path then
    for line in io.lines(path) do
      if #line > 0 then table.insert(slugs, line) end
    end
  end
  if #slugs == 0 then slugs = { "vpn-cannot-connect" } end
  math.randomseed(id * 7919)
end

function delay()
  return delay_ms
end

local function pick(list) return list[math.random(#list)] end

local function get(path)
  if visitor then return wrk.format("GET", path, { ["Cookie"] = "kb_session=" .. visitor }) end
  return wrk.format("GET", path)
end

local json_headers = { ["Content-Type"] = "application/json" }

function request()
  counter = counter + 1
  visitor_requests = visitor_requests + 1
  if visitor_requests > 40 then
    -- A new visitor: new session, and a new form session and CSRF token
    -- (one session posting thousands of tickets is not what people do, and
    -- each ticket reads its session's whole history).
    visitor, visitor_requests = nil, 0
    session, csrf = nil, nil
  end
  local r = math.random() * 100
  if r >= ticket_percent then
    r = math.random(100)
    if r <= 52 then
      return get("/api/search?q=" .. encode(pick(queries)) .. "&live=1")
    elseif r <= 65 then
      return get("/search?q=" .. encode(pick(queries)))
    elseif r <= 82 then
      return get("/api/suggest?q=" .. encode(pick(prefixes)))
    end
    return get("/articles/" .. pick(slugs))
  end
  local body_text = "load test " .. id .. "-" .. counter .. ": the printer in room 4 shows offline after the update"
  if r < ticket_percent / 2 then
    local body = '{"subject":"Load test ticket ' .. id .. '-' .. counter .. '","description":"' .. body_text ..
                 '","email":"load' .. id .. '@example.com"}'
    return wrk.format("POST", "/api/tickets", json_headers, body)
  end
  if not csrf then
    return wrk.format("GET", "/tickets/new?q=printer")
  end
  local form = "csrf=" .. csrf .. "&subject=" .. encode("Form ticket " .. id .. "-" .. counter) ..
               "&description=" .. encode(body_text) .. "&email=" .. encode("form" .. id .. "@example.com")
  return wrk.format("POST", "/tickets",
                    { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "kb_session=" .. session },
                    form)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if not visitor then
    local cookie = headers["Set-Cookie"] or ""
    visitor = cookie:match("kb_session=(%x+)")
  end
  if not csrf and body then
    local token = body:match('name="csrf" value="(%x+)"')
    local cookie = headers["Set-Cookie"] or headers["set-cookie"] or ""
    local sid = cookie:match("kb_session=(%x+)")
    if token and sid then csrf, session = token, sid end
  end
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do totals[code] = (totals[code] or 0) + n end
  end
  local codes = {}
  for code in pairs(totals) do table.insert(codes, code) end
  table.sort(codes)
  local server_errors, limited, client_errors = 0, 0, 0
  for _, code in ipairs(codes) do
    io.write(string.format("status %d: %d\n", code, totals[code]))
    if code >= 500 then server_errors = server_errors + totals[code]
    elseif code == 429 then limited = limited + totals[code]
    elseif code >= 400 then client_errors = client_errors + totals[code] end
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "kb-load: requests %d, %.0f req/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms, 5xx %d, 4xx %d (429 %d), socket errors %d (timeouts %d)\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, server_errors, client_errors, limited, socket_errors, e.timeout))
end
