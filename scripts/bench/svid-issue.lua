-- wrk script: POST a fixed body; one header value per request, taken in order from a file (one per line).
-- Tessera's node proofs are single-use, so each line is sent once; a file with one line (a static token) repeats it.
-- With several wrk threads, thread k takes lines k, k+n, k+2n, ... so no two threads send the same proof.
-- Usage: wrk ... -s svid-issue.lua URL -- BODY_FILE [HEADER_NAME HEADER_VALUES_FILE]
local threads = {}
function setup(thread)
    thread:set("thread_index", #threads)
    table.insert(threads, thread)
    for _, t in ipairs(threads) do t:set("thread_count", #threads) end
end

local header_name, values, position, exhausted = nil, {}, 0, 0
function init(args)
    local body = io.open(args[1], "rb")
    wrk.body = body:read("*a")
    body:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    if args[2] then
        header_name = args[2]
        local index, count = thread_index or 0, thread_count or 1
        local n = 0
        for line in io.lines(args[3]) do
            if line ~= "" then
                if n % count == index then table.insert(values, line) end
                n = n + 1
            end
        end
        if n == 1 and #values == 0 then
            for line in io.lines(args[3]) do if line ~= "" then table.insert(values, line) end end
        end
    end
end

function request()
    if header_name then
        if #values == 1 then
            wrk.headers[header_name] = values[1]
        else
            position = position + 1
            if position > #values then exhausted = exhausted + 1 end
            wrk.headers[header_name] = values[math.min(position, #values)]
        end
    end
    return wrk.format()
end
