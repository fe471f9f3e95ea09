-- wrk script: one POST per line of a file (a fresh, pre-signed JWT each), as the body's variable part.
-- Default: POST /oauth2/token, client_credentials with the line as the private_key_jwt assertion.
-- Usage: wrk -t1 -c8 -d10s -s token-issue.lua URL -- FILE [CONTENT_TYPE PREFIX SUFFIX]
--   e.g. OpenBao's JWT login: -- FILE application/json '{"role":"bench","jwt":"' '"}'
local threads = {}
local counter = 0

function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

function init(args)
    local path = args[1]
    local total = 0
    for _ in pairs(threads) do total = total + 1 end
    if total == 0 then total = 1 end
    assertions = {}
    local index = 0
    for line in io.lines(path) do
        if index % total == id then table.insert(assertions, line) end
        index = index + 1
    end
    nextIndex = 1
    prefix = args[3] or
        "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion="
    suffix = args[4] or ""
    wrk.method = "POST"
    wrk.headers["Content-Type"] = args[2] or "application/x-www-form-urlencoded"
end

function request()
    local assertion = assertions[nextIndex]
    if nextIndex < #assertions then nextIndex = nextIndex + 1 end
    return wrk.format(nil, nil, nil, prefix .. assertion .. suffix)
end
