// The peer the load test measures Portcullis against: mcp-proxy's Streamable HTTP server and
// request forwarding (the same calls its CLI makes), connected to the upstream with the official
// SDK's Streamable HTTP client instead of a spawned stdio child. mcp-proxy's CLI can only front
// stdio servers; this keeps its own code path and drops nothing but the stdio hop.
//
// Usage: node peer-proxy.mjs <port> <upstream-url>
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Server } from "@modelcontextprotocol/server";
import { proxyServer, startHTTPServer } from "mcp-proxy";

const [port, upstream] = process.argv.slice(2);
if (!port || !upstream) {
  console.error("usage: node peer-proxy.mjs <port> <upstream-url>");
  process.exit(2);
}

const client = new Client({ name: "mcp-proxy", version: "1.0.0" }, { capabilities: {} });
await client.connect(new StreamableHTTPClientTransport(new URL(upstream)));

await startHTTPServer({
  createServer: async () => {
    const serverCapabilities = client.getServerCapabilities();
    const server = new Server(client.getServerVersion(), { capabilities: serverCapabilities, instructions: client.getInstructions() });
    await proxyServer({ client, server, serverCapabilities });
    return server;
  },
  eventStore: false,
  host: "127.0.0.1",
  port: Number(port),
  sseEndpoint: null,
  streamEndpoint: "/mcp",
});
console.log(`peer proxy listening on http://127.0.0.1:${port}/mcp`);
