-- wrk script: replay one POST with a fixed body and headers read from files.
-- Usage: wrk ... -s svid-issue.lua URL -- BODY_FILE [HEADER_NAME HEADER_VALUE_FILE]
function init(args)
    local body = io.open(args[1], "rb")
    wrk.body = body:read("*a")
    body:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    if args[2] then
        local value = io.open(args[3], "rb")
        wrk.headers[args[2]] = value:read("*a"):gsub("%s+$", "")
        value:close()
    end
end

local statuses = {}
function response(status, headers, body)
    if status ~= 200 then statuses[status] = (statuses[status] or 0) + 1 end
end
