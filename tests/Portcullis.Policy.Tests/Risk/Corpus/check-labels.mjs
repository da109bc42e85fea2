// Checks labels.json against the captured servers beside it: every captured tool has exactly one label,
// every label names a captured tool, and each label uses the allowed category and severity words.
// Prints counts per category and severity. Run with: node check-labels.mjs   (exit code 1 on any problem)
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const categories = ["Read", "Write", "Execute", "Destructive", "Financial"];
const severities = ["Low", "Medium", "High", "Critical"];
const problems = [];

const tools = new Map();
for (const file of readdirSync(here).filter(f => f.endsWith(".json") && f !== "labels.json").sort()) {
  const capture = JSON.parse(readFileSync(join(here, file), "utf8"));
  for (const tool of capture.tools) {
    const key = `${capture.package}\u0000${tool.name}`;
    if (tools.has(key)) problems.push(`${file}: tool ${tool.name} appears twice`);
    tools.set(key, 0);
  }
}

const labels = JSON.parse(readFileSync(join(here, "labels.json"), "utf8"));
const byCategory = Object.fromEntries(categories.map(c => [c, 0]));
const bySeverity = Object.fromEntries(severities.map(s => [s, 0]));
for (const label of labels) {
  const name = `${label.package} ${label.tool}`;
  const key = `${label.package}\u0000${label.tool}`;
  if (!tools.has(key)) problems.push(`label for ${name} names no captured tool`);
  else tools.set(key, tools.get(key) + 1);
  if (!categories.includes(label.category)) problems.push(`${name}: category '${label.category}' is not one of ${categories.join("|")}`);
  else byCategory[label.category]++;
  if (!severities.includes(label.severity)) problems.push(`${name}: severity '${label.severity}' is not one of ${severities.join("|")}`);
  else bySeverity[label.severity]++;
  if (typeof label.reason !== "string" || label.reason.trim() === "") problems.push(`${name}: reason is empty`);
}
for (const [key, count] of tools) {
  const name = key.replace("\u0000", " ");
  if (count === 0) problems.push(`${name} has no label`);
  if (count > 1) problems.push(`${name} has ${count} labels`);
}

const servers = new Set([...tools.keys()].map(k => k.split("\u0000")[0]));
console.log(`${tools.size} tools from ${servers.size} servers, ${labels.length} labels`);
console.log("category:", JSON.stringify(byCategory));
console.log("severity:", JSON.stringify(bySeverity));
for (const problem of problems) console.error(problem);
process.exit(problems.length === 0 ? 0 : 1);
