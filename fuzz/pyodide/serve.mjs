#!/usr/bin/env node
// serve.mjs VERSION DRIVER_DIR — the CPython driver's batch mode
// (fuzz/cpython/trace_batch.py) in one of the pinned Pyodide builds: loads
// Pyodide once, copies the driver's modules (DRIVER_DIR/*.py) into its
// file system, then passes standard input to trace_batch.Server.feed and
// writes what it answers to standard output, until end of input.
// Exit status: 0 at end of input, 2 bad usage or Pyodide cannot load,
// 1 the driver raised (its traceback on stderr).
import { readFileSync, readdirSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const me = "serve.mjs";

function fail(msg, status) {
  process.stderr.write(`${me}: error: ${msg}\n`);
  process.exit(status);
}

const pinned = Object.keys(
  JSON.parse(readFileSync(join(here, "package.json"), "utf8")).dependencies,
).map((name) => name.replace(/^pyodide-/, ""));

if (process.argv.length !== 4)
  fail("usage: node serve.mjs VERSION DRIVER_DIR", 2);
const [version, driverDir] = process.argv.slice(2);
if (!pinned.includes(version))
  fail(`unknown Pyodide version '${version}' (pinned: ${pinned.join(", ")})`, 2);

const pkgDir = join(here, "node_modules", `pyodide-${version}`);
let mod;
try {
  mod = await import(pathToFileURL(join(pkgDir, "pyodide.mjs")).href);
} catch (e) {
  fail(`cannot load ${pkgDir} (run \`make setup\`): ${e.message}`, 2);
}
const py = await mod.loadPyodide({ indexURL: pkgDir + "/" });
py.setStderr({ batched: (s) => process.stderr.write(s + "\n") });

py.FS.mkdirTree("/pymemref");
for (const f of readdirSync(driverDir)) {
  if (f.endsWith(".py") && !f.startsWith("pymalloc_"))
    py.FS.writeFile(`/pymemref/${f}`, readFileSync(join(driverDir, f)));
}
let feed;
try {
  py.runPython(
    "import sys\nsys.path.insert(0, '/pymemref')\nimport trace_batch\n" +
      "_pymemref_server = trace_batch.Server()\n",
  );
  feed = py.globals.get("_pymemref_server").feed;
} catch (e) {
  fail(String(e.message), 1);
}

function out(s) {
  const buf = Buffer.from(s, "utf8");
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      if (e.code === "EPIPE") process.exit(0); // the reader has gone
      if (e.code !== "EAGAIN") throw e;
    }
  }
}

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  let r;
  try {
    r = feed(chunk);
  } catch (e) {
    fail(String(e.message), 1);
  }
  if (r) out(r);
});
process.stdin.on("end", () => {
  const r = feed("\n");
  if (r) out(r);
  process.exit(0);
});
