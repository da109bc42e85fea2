// Captures the tool definitions of real MCP servers published on npm, for the risk-classifier corpus.
// The tests do not run this script; it documents how the *.json files beside it were made.
//
// How to run (node 20+, from any directory):
//   1. Install each server into its own scratch directory outside the repository, pinned, e.g.
//        mkdir -p /tmp/corpus-npm/modelcontextprotocol__server-github && cd $_ &&
//        echo '{"private":true}' > package.json &&
//        PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
//          npm install --no-audit --no-fund @modelcontextprotocol/server-github@2025.4.8
//      The directory name is the package name without "@" and with "/" replaced by "__" (see SERVERS below).
//   2. Install the client SDK into /tmp/corpus-npm/client:
//        npm install --no-audit --no-fund @modelcontextprotocol/sdk@1.32.2
//   3. node capture.mjs /tmp/corpus-npm [package ...]
//      With no package names every server in SERVERS is captured. Each server is started over stdio with
//      dummy credentials, inside `unshare -n` (no network) when that is available, and asked for
//      initialize then tools/list, following nextCursor to the end. The answer is written next to this
//      script as <package without "@", "/" as "__">.json.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const CAPTURED = "2026-11-30";
const here = dirname(fileURLToPath(import.meta.url));
const scratch = process.argv[2];
if (!scratch) {
  console.error("usage: node capture.mjs <scratch-dir-with-installed-servers> [package ...]");
  process.exit(2);
}
const only = process.argv.slice(3);

const require = createRequire(join(scratch, "client", "package.json"));
const { Client } = await import(require.resolve("@modelcontextprotocol/sdk/client/index.js"));
const { StdioClientTransport } = await import(require.resolve("@modelcontextprotocol/sdk/client/stdio.js"));
const { z } = await import(require.resolve("zod"));
// tools/list is sent with a schema that accepts any result: some real servers publish tools the SDK's
// strict schema rejects (an inputSchema without "type": "object"), and the corpus should keep them.
const anyResult = z.object({}).passthrough();

const work = "/tmp/corpus-work";
mkdirSync(work, { recursive: true });

// Each server: package, pinned version, arguments after the package's bin, and the dummy environment it
// needs just to start. No value here is a real credential, and no server reaches the network.
const SERVERS = [
  { pkg: "@modelcontextprotocol/server-filesystem", version: "2026.8.31", args: [work] },
  { pkg: "@modelcontextprotocol/server-github", version: "2025.4.8", env: { GITHUB_PERSONAL_ACCESS_TOKEN: "ghp_dummy" } },
  { pkg: "@modelcontextprotocol/server-gitlab", version: "2025.4.25", env: { GITLAB_PERSONAL_ACCESS_TOKEN: "glpat-dummy", GITLAB_API_URL: "http://127.0.0.1:9/api/v4" } },
  { pkg: "@modelcontextprotocol/server-postgres", version: "0.6.2", args: ["postgresql://dummy:dummy@127.0.0.1:9/dummy"] },
  // This one connects before it answers, so it gets a throwaway local redis-server and keeps loopback.
  { pkg: "@modelcontextprotocol/server-redis", version: "2025.4.25", args: ["redis://127.0.0.1:16379"], localRedis: 16379 },
  { pkg: "@modelcontextprotocol/server-slack", version: "2025.4.25", env: { SLACK_BOT_TOKEN: "xoxb-dummy", SLACK_TEAM_ID: "T00000000" } },
  { pkg: "@modelcontextprotocol/server-memory", version: "2026.8.31", env: { MEMORY_FILE_PATH: join(work, "memory.jsonl") } },
  { pkg: "@modelcontextprotocol/server-brave-search", version: "0.6.2", env: { BRAVE_API_KEY: "dummy" } },
  { pkg: "@modelcontextprotocol/server-puppeteer", version: "2025.5.12" },
  { pkg: "@playwright/mcp", version: "0.0.83", args: ["--headless"] },
  { pkg: "@wonderwhy-er/desktop-commander", version: "0.2.52" },
  { pkg: "mcp-server-kubernetes", version: "4.1.7" },
  { pkg: "@notionhq/notion-mcp-server", version: "2.5.2", env: { NOTION_TOKEN: "ntn_dummy" } },
  // Every feature group except "docs", whose tool schema is downloaded from the Supabase Content API at start.
  { pkg: "@supabase/mcp-server-supabase", version: "0.13.0", args: ["--features=account,database,debugging,development,functions,branching,storage"], env: { SUPABASE_ACCESS_TOKEN: "sbp_dummy" } },
  { pkg: "@stripe/mcp", version: "0.2.5", args: ["--tools=all", "--api-key=sk_test_dummy"] },
  { pkg: "square-mcp-server", version: "0.1.2", args: ["start"], env: { ACCESS_TOKEN: "dummy", SANDBOX: "true" } },
  { pkg: "mcp-server-sqlite-npx", version: "0.8.0", args: [join(work, "corpus.db")] },
  { pkg: "@kazuph/mcp-fetch", version: "1.6.3" },
  { pkg: "@cyanheads/git-mcp-server", version: "2.15.3", env: { MCP_TRANSPORT_TYPE: "stdio", GIT_BASE_DIR: work } },
  // Its first bin is a command-line tool; the MCP server is the package's main module.
  { pkg: "@0xshariq/docker-mcp-server", version: "2.0.4", entry: "dist/index.js" },
];

function safeName(pkg) {
  return pkg.replace(/^@/, "").replace(/\//g, "__");
}

function binOf(installDir, pkg, entry) {
  const manifestPath = join(installDir, "node_modules", pkg, "package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const bin = entry ?? (typeof manifest.bin === "string" ? manifest.bin : Object.values(manifest.bin ?? {})[0]);
  if (!bin) throw new Error(`${pkg} has no bin in ${manifestPath}`);
  return { path: join(installDir, "node_modules", pkg, bin), version: manifest.version };
}

const canUnshare = spawnSync("unshare", ["-n", "true"]).status === 0;

// The SDK client validates answers against its own schemas, which may drop fields it does not know.
// This transport keeps every incoming message untouched so the corpus holds the server's own words.
class RecordingTransport {
  constructor(inner) {
    this.inner = inner;
    this.received = [];
    inner.onmessage = (message, extra) => {
      this.received.push(structuredClone(message));
      this.onmessage?.(message, extra);
    };
    inner.onclose = () => this.onclose?.();
    inner.onerror = error => this.onerror?.(error);
  }
  start() { return this.inner.start(); }
  send(message, options) { return this.inner.send(message, options); }
  close() { return this.inner.close(); }
  setProtocolVersion(version) { this.inner.setProtocolVersion?.(version); }
}

async function capture(server) {
  const installDir = join(scratch, safeName(server.pkg));
  const bin = binOf(installDir, server.pkg, server.entry);
  if (bin.version !== server.version) throw new Error(`${server.pkg}: installed ${bin.version}, pinned ${server.version}`);
  const nodeArgs = [bin.path, ...(server.args ?? [])];
  const isolate = canUnshare && !server.localRedis;
  const redis = server.localRedis
    ? spawn("redis-server", ["--port", String(server.localRedis), "--bind", "127.0.0.1", "--save", ""], { stdio: "ignore" })
    : null;
  if (redis) await new Promise(resolve => setTimeout(resolve, 500));
  const transport = new RecordingTransport(new StdioClientTransport({
    command: isolate ? "unshare" : process.execPath,
    args: isolate ? ["-n", process.execPath, ...nodeArgs] : nodeArgs,
    env: { PATH: process.env.PATH, HOME: work, ...(server.env ?? {}) },
    cwd: work,
    stderr: "ignore",
  }));
  const client = new Client({ name: "portcullis-corpus-capture", version: "1.0.0" });
  try {
    await client.connect(transport, { timeout: 60_000 });
    const initialize = transport.received.find(m => "result" in m && m.result?.serverInfo)?.result;
    if (!initialize) throw new Error("no initialize result recorded");
    const tools = [];
    let cursor;
    do {
      const before = transport.received.length;
      await client.request({ method: "tools/list", params: cursor ? { cursor } : {} }, anyResult, { timeout: 60_000 });
      const page = transport.received.slice(before).find(m => "result" in m && Array.isArray(m.result?.tools))?.result;
      if (!page) throw new Error("no tools/list result recorded");
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const record = {
      package: server.pkg,
      version: server.version,
      captured: CAPTURED,
      server: {
        serverInfo: initialize.serverInfo,
        instructions: initialize.instructions ?? null,
      },
      tools,
    };
    writeFileSync(join(here, `${safeName(server.pkg)}.json`), JSON.stringify(record, null, 2) + "\n");
    return tools.length;
  } finally {
    await client.close();
    redis?.kill();
  }
}

let failed = 0;
for (const server of SERVERS.filter(s => only.length === 0 || only.includes(s.pkg))) {
  try {
    const count = await capture(server);
    console.log(`${server.pkg}@${server.version}: ${count} tools`);
  } catch (error) {
    failed++;
    console.error(`${server.pkg}@${server.version}: FAILED: ${error.message}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
