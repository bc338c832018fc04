// Preloaded into a built app (`node --require module-trace.cjs main.js`) by
// production-bundle.spec.ts: appends the name of every package the process loads to
// MODULE_TRACE_FILE, one per line, as it loads it. Frameworks load some packages by computed name
// (TypeORM its driver, Nest its HTTP adapter), which no static walk can see.
// Written as it goes, not on exit: Nest re-raises SIGTERM after closing, so no 'exit' event runs.
const fs = require('node:fs');
const { registerHooks } = require('node:module');
const { fileURLToPath } = require('node:url');
const { packageOf } = require('./package-of.cjs');

const trace = fs.openSync(process.env.MODULE_TRACE_FILE, 'a');
const seen = new Set();

registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    const name = result.url.startsWith('file:') ? packageOf(fileURLToPath(result.url)) : undefined;
    if (name && !seen.has(name)) {
      seen.add(name);
      fs.writeSync(trace, `${name}\n`);
    }
    return result;
  },
});
