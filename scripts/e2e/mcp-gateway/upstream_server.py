"""An MCP server nobody here wrote the framework of: the Python SDK's FastMCP over Streamable HTTP (SSE answers).

    python upstream_server.py PORT CALL_LOG

Every tool call it executes is appended to CALL_LOG as "<tool> <json arguments>".
"""
import json
import sys

from mcp.server.fastmcp import FastMCP

port, log_path = int(sys.argv[1]), sys.argv[2]
server = FastMCP("python-upstream", host="127.0.0.1", port=port, log_level="WARNING")


def record(tool: str, arguments: dict) -> None:
    with open(log_path, "a") as log:
        log.write(f"{tool} {json.dumps(arguments, sort_keys=True)}\n")


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    record("echo", {"text": text})
    return text


@server.tool()
def delete_records(table: str) -> str:
    """Delete every record of a table."""
    record("delete_records", {"table": table})
    return f"deleted every record of {table}"


@server.tool()
def send_email(to: str, body: str) -> str:
    """Send an e-mail."""
    record("send_email", {"to": to, "body": body})
    return f"sent to {to}"


server.run(transport="streamable-http")
