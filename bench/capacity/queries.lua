-- wrk script: GET /api/search for each line of queries.txt (next to this
-- script, written by run.sh), in order, each thread from its own offset.
-- Distinct queries keep a result cache from answering instead of the
-- search engine: the figure is what search costs, not a cache hit.
local queries = {}
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
for line in io.lines(os.getenv("KB_QUERIES") or (dir .. "queries.txt")) do
  queries[#queries + 1] = line:gsub("[^%w]+", "+")
end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/search?q=" .. queries[(i % #queries) + 1])
end
