#!/usr/bin/env -S node --max-semi-space-size=8
// Entry point. In a checkout, Node runs the TypeScript sources directly (type stripping);
// an installed package runs the compiled `dist/` (Node refuses to strip types under node_modules).
// NOTE: written so that an old Node (any that runs ES modules) can parse it and run the version
// check: no static import (it would load before any line runs), no top-level await.
// NOTE: --max-semi-space-size=8 (MiB): V8 sizes the young generation from the machine's memory
// (up to 64 MiB per semi-space here), which made a 200-server release peak at 213 MiB RSS with
// 62 MiB of live heap; capped, it peaks near 172 MiB at the same speed (measured, bench/README.md).

var NEEDED = [22, 13];

/** Whether a `process.versions.node` string is at least NEEDED. */
function isSupportedNode(version) {
  var parts = String(version).split('.').map(Number);
  return parts[0] > NEEDED[0] || (parts[0] === NEEDED[0] && parts[1] >= NEEDED[1]);
}

if (!isSupportedNode(process.versions.node)) {
  process.stderr.write(`release: lvs-release needs Node.js ${NEEDED.join('.')} or newer; this is Node.js ${process.versions.node} (${process.execPath}).\n`);
  process.exitCode = 2;
} else {
  import('node:fs')
    .then((fs) => {
      const source = new URL('../src/cli.ts', import.meta.url);
      const compiled = new URL('../dist/cli.js', import.meta.url);
      const useSource = fs.existsSync(source) && process.features.typescript;
      return import(useSource ? source.href : compiled.href);
    })
    .then((cli) => cli.main(process.argv.slice(2)))
    // main() maps every error to an exit status; this catches what it cannot (a missing dist/, a bug).
    // NOTE: handled here, not by Node's crash on an unhandled rejection, which
    // NODE_OPTIONS=--unhandled-rejections=warn would turn into exit status 0.
    .catch((error) => {
      process.stderr.write(`✖ INTERNAL ${error instanceof Error && error.stack ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    });
}
