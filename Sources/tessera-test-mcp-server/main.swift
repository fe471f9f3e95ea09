import MCP
import TesseraMCP
