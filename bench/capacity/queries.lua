-- Rotates through realistic support queries (each thread its own order).
local queries = {
  "reset+password", "outlook+crashes+on+startup", "0x80070005", "sql+server+login+failed+18456",
  "vpn+disconnects", "azure+vm+cannot+connect+rdp", "teams+meeting+audio", "printer+offline",
  "dynamics+365+plugin+error", "certificate+expired", "sharepoint+sync+error", "event+id+41",
  "install+fails+1603", "mfa+not+working", "slow+performance+database", "blue+screen",
  "exchange+mailbox+full", "power+automate+flow+failed", "kerberos+authentication", "dns+resolution",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/search?q=" .. queries[(i % #queries) + 1])
end
