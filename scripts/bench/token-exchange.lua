-- wrk script: POST /oauth2/token with one fixed RFC 8693 token-exchange body (read from a file).
-- Usage: wrk -t1 -c8 -d10s -s token-exchange.lua URL -- BODY_FILE
function init(args)
    local file = io.open(args[1], "r")
    body = file:read("*a"):gsub("%s+$", "")
    file:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
    return wrk.format(nil, nil, nil, body)
end
