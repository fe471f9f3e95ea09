"""A scripted agent on the Python MCP SDK's client, through `tessera mcp-gateway`.

    python scripted_agent.py stdio|http TESSERA_BIN GATEWAY_ARGS_OR_URL TOKEN TASK_ID CALL_LOG

stdio: spawns `TESSERA_BIN mcp-gateway ...` with TESSERA_AGENT_TOKEN; http: connects to the URL with the bearer token.
Checks: only the task's tools are listed; an allowed call goes through; an out-of-task call is refused with the
policy and never reaches the server; a high-risk call waits until an administrator approves it (this script approves
with `tessera approval approve`); `tessera task revoke` refuses the next call. Prints "N passed, M failed".
"""
import asyncio
import json
import os
import subprocess
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

mode, tessera, target, token, task_id, call_log = sys.argv[1:7]
passed, failed = 0, 0


def check(condition: bool, what: str) -> None:
    global passed, failed
    if condition:
        passed += 1
        print(f"   ok   {mode}: {what}")
    else:
        failed += 1
        print(f"   FAIL {mode}: {what}")


def executed() -> list[str]:
    try:
        with open(call_log) as log:
            return [line.rstrip("\n") for line in log]
    except FileNotFoundError:
        return []


def text(result) -> str:
    return result.content[0].text if result.content else ""


def cli(*arguments: str) -> str:
    return subprocess.run([tessera, *arguments], check=True, capture_output=True, text=True).stdout


async def approve_when_pending() -> str:
    for _ in range(200):
        pending = json.loads(cli("approval", "list", "--json")).get("approvals", [])
        mine = [a for a in pending if a.get("task_id") == task_id]
        if mine:
            cli("approval", "approve", mine[0]["id"], "--reason", "scripted approval")
            return mine[0]["id"]
        await asyncio.sleep(0.1)
    return ""


async def scenario(session: ClientSession) -> None:
    await session.initialize()
    names = sorted(tool.name for tool in (await session.list_tools()).tools)
    check(names == ["delete_records", "echo"], f"only the task's tools are listed ({names})")

    result = await session.call_tool("echo", {"text": "hello from python"})
    check(not result.isError and text(result) == "hello from python", "an allowed call goes through")

    result = await session.call_tool("send_email", {"to": "mallory@example.com", "body": "secrets"})
    check(result.isError and "agent-outside-task" in text(result), f"out-of-task call refused with the policy: {text(result)!r}")
    check(not any(line.startswith("send_email") for line in executed()), "the refused call never reached the server")

    table = f"records_{mode}"
    call = asyncio.create_task(session.call_tool("delete_records", {"table": table}))
    approval = await approve_when_pending()
    check(approval != "", "the high-risk call waits for a human's approval")
    result = await call
    check(not result.isError and text(result) == f"deleted every record of {table}", "after approval it runs")
    check(sum(line.startswith(f'delete_records {{"table": "{table}"}}') for line in executed()) == 1, "exactly once")

    cli("task", "revoke", task_id, "--reason", "emergency stop")
    result = await session.call_tool("echo", {"text": f"after the stop ({mode})"})
    check(result.isError and "Tessera refused" in text(result), f"task revoke stops the agent: {text(result)!r}")
    check(not any(f"after the stop ({mode})" in line for line in executed()), "nothing ran after the stop")


async def main() -> None:
    if mode == "stdio":
        parameters = StdioServerParameters(
            command=tessera, args=["mcp-gateway", *target.split("\x1f")],
            env={**os.environ, "TESSERA_AGENT_TOKEN": token})
        async with stdio_client(parameters) as (read, write):
            async with ClientSession(read, write) as session:
                await scenario(session)
    else:
        async with streamablehttp_client(target, headers={"Authorization": f"Bearer {token}"}) as (read, write, _):
            async with ClientSession(read, write) as session:
                await scenario(session)


asyncio.run(main())
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
