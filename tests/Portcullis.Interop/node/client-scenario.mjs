// Drives one MCP session with the official TypeScript SDK client and prints what it saw as JSON.
// Usage: node client-scenario.mjs <gateway-url> <token> <direct-url>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const [gatewayUrl, token, directUrl] = process.argv.slice(2);

async function connect(url, headers) {
  const client = new Client({ name: "portcullis-interop", version: "1.0.0" }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
    model: "interop-model",
    role: "assistant",
    content: { type: "text", text: `sampled: ${request.params.messages[0].content.text}` },
  }));
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

const text = (result) => result.content?.map((c) => c.text ?? `[${c.type}]`).join("\n");
const out = {};
const gateway = await connect(gatewayUrl, { Authorization: `Bearer ${token}` });
const direct = await connect(directUrl, {});
try {
  const { client } = gateway;
  out.serverName = client.getServerVersion()?.name;
  out.tools = (await client.listTools()).tools.map((t) => t.name).sort();
  out.directToolCount = (await direct.client.listTools()).tools.length;

  const echoArgs = { name: "echo", arguments: { message: "hello through the gateway" } };
  out.echo = await client.callTool(echoArgs);
  out.echoDirect = await direct.client.callTool(echoArgs);

  out.sums = [];
  for (let i = 0; i < 3; i++) {
    const result = await client.callTool({ name: "get-sum", arguments: { a: i, b: 10 } });
    out.sums.push({ isError: result.isError === true, text: text(result), meta: result._meta ?? null });
  }

  const denied = await client.callTool({ name: "get-tiny-image", arguments: {} });
  out.defaultDenied = { isError: denied.isError === true, text: text(denied), meta: denied._meta ?? null };

  const progress = [];
  const started = Date.now();
  const longRun = await client.callTool(
    { name: "trigger-long-running-operation", arguments: { duration: 1.5, steps: 3 } },
    undefined,
    { onprogress: (p) => progress.push({ progress: p.progress, total: p.total, at: Date.now() - started }) },
  );
  out.longRun = { text: text(longRun), finishedAt: Date.now() - started, progress };

  const resources = (await client.listResources()).resources;
  out.resourceCount = resources.length;
  const read = await client.readResource({ uri: resources[0].uri });
  const readDirect = await direct.client.readResource({ uri: resources[0].uri });
  out.resourceSame = JSON.stringify(read) === JSON.stringify(readDirect);
  out.resourceUri = read.contents[0].uri;

  const prompt = await client.getPrompt({ name: "simple-prompt" });
  out.prompt = prompt.messages.map((m) => m.content.text).join("\n");

  const sampling = await client.callTool({ name: "trigger-sampling-request", arguments: { prompt: "Say hi", maxTokens: 10 } });
  out.sampling = { isError: sampling.isError === true, text: text(sampling) };
} catch (error) {
  out.error = String(error?.stack ?? error);
} finally {
  await gateway.transport.terminateSession().catch(() => {});
  await gateway.client.close();
  await direct.client.close();
}

console.log(JSON.stringify(out));
