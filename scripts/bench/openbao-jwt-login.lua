-- wrk script: OpenBao auth/jwt login with a fresh, pre-signed ES256 JWT per request (role "bench").
-- Usage: wrk -t1 -c8 -d10s -s openbao-jwt-login.lua URL -- JWTS_FILE
local threads = {}
local counter = 0

function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

function init(args)
    local total = 0
    for _ in pairs(threads) do total = total + 1 end
    if total == 0 then total = 1 end
    jwts = {}
    local index = 0
    for line in io.lines(args[1]) do
        if index % total == id then table.insert(jwts, line) end
        index = index + 1
    end
    nextIndex = 1
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    local jwt = jwts[nextIndex]
    if nextIndex < #jwts then nextIndex = nextIndex + 1 end
    return wrk.format(nil, nil, nil, '{"role":"bench","jwt":"' .. jwt .. '"}')
end
