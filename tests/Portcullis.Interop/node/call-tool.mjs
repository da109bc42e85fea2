// Calls one tool a number of times in one MCP session with the official TypeScript SDK client, after
// listing the tools, and prints what it saw as JSON: {"tools": [...], "results": [{isError, text}]}.
// Usage: node call-tool.mjs <url> <token> <tool> <arguments-json> <count>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token, tool, args, count] = process.argv.slice(2);
const client = new Client({ name: "portcullis-browser-test", version: "1.0.0" });
await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
const out = { tools: (await client.listTools()).tools.map((t) => t.name).sort(), results: [] };
for (let i = 0; i < Number(count); i++) {
  try {
    const result = await client.callTool({ name: tool, arguments: JSON.parse(args) });
    out.results.push({ isError: result.isError === true, text: result.content?.map((c) => c.text ?? `[${c.type}]`).join("\n") ?? "" });
  } catch (error) {
    out.results.push({ isError: true, text: `JSON-RPC error: ${error.message}` });
  }
}
await client.close();
console.log(JSON.stringify(out));
