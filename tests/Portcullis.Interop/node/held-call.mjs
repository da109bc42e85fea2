// Calls one tool that the gateway holds for approval, with the official TypeScript SDK client,
// and prints what it saw as JSON once the call returns.
// Usage: node held-call.mjs <gateway-url> <token>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [gatewayUrl, token] = process.argv.slice(2);
const client = new Client({ name: "portcullis-held-call", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(new URL(gatewayUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
const out = { progress: [] };
const started = Date.now();
try {
  await client.connect(transport);
  console.error("connected");
  const result = await client.callTool(
    { name: "echo", arguments: { message: "approved through the gateway" } },
    undefined,
    { onprogress: (p) => out.progress.push(p.message ?? String(p.progress)), resetTimeoutOnProgress: true },
  );
  out.isError = result.isError === true;
  out.text = result.content?.map((c) => c.text ?? `[${c.type}]`).join("\n");
  out.elapsedMs = Date.now() - started;
} catch (error) {
  out.error = String(error?.stack ?? error);
} finally {
  await transport.terminateSession().catch(() => {});
  await client.close();
}

console.log(JSON.stringify(out));
