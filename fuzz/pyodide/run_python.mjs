#!/usr/bin/env node
// run_python.mjs VERSION CODE — run CODE in one of the pinned Pyodide builds
// (see package.json) and copy its stdout/stderr through.  Everything is
// loaded from node_modules: the npm package ships the wasm and the stdlib,
// so no network is used.  CODE "-" reads the program from standard input.
// Exit status: 0 ok, 1 the Python code raised, 2 bad usage.
import { readFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const me = "run_python.mjs";

function usage(msg) {
  process.stderr.write(`${me}: error: ${msg}\n`);
  process.stderr.write(`usage: node ${me} VERSION CODE|-\n`);
  process.exit(2);
}

const pinned = Object.keys(
  JSON.parse(readFileSync(join(here, "package.json"), "utf8")).dependencies,
).map((name) => name.replace(/^pyodide-/, ""));

const [version, codeArg] = process.argv.slice(2);
if (process.argv.length !== 4) usage("expected exactly two arguments");
if (!pinned.includes(version))
  usage(`unknown Pyodide version '${version}' (pinned: ${pinned.join(", ")})`);
const code = codeArg === "-" ? readFileSync(0, "utf8") : codeArg;

const pkgDir = join(here, "node_modules", `pyodide-${version}`);
let mod;
try {
  mod = await import(pathToFileURL(join(pkgDir, "pyodide.mjs")).href);
} catch (e) {
  process.stderr.write(
    `${me}: error: cannot load ${pkgDir} (run \`make setup\`): ${e.message}\n`,
  );
  process.exit(2);
}

// Python's bytes go to our fd unchanged (no line batching, so a last line
// without "\n" is kept).
function writer(fd) {
  return {
    write(buf) {
      for (let off = 0; off < buf.length; ) {
        try {
          off += writeSync(fd, buf, off, buf.length - off);
        } catch (e) {
          if (e.code !== "EAGAIN") throw e;
        }
      }
      return buf.length;
    },
  };
}

const t0 = performance.now();
const py = await mod.loadPyodide({ indexURL: pkgDir + "/" });
const loadMs = performance.now() - t0;
py.setStdout(writer(1));
py.setStderr(writer(2));
if (process.env.PYODIDE_TIMING)
  process.stderr.write(`${me}: pyodide ${version} loaded in ${loadMs.toFixed(0)} ms\n`);

let status = 0;
try {
  py.runPython(code);
} catch (e) {
  // A PythonError's message is the formatted traceback.
  py.runPython("import sys; sys.stdout.flush()");
  process.stderr.write(String(e.message).replace(/\n?$/, "\n"));
  status = 1;
}
py.runPython("import sys; sys.stdout.flush(); sys.stderr.flush()");
process.exit(status);
