// Shared by require-graph.mjs and module-trace.cjs, so the static walk and the running service
// name packages alike. CommonJS: the tracer is preloaded with --require.
const path = require('node:path');

const MARKER = `${path.sep}node_modules${path.sep}`;

/**
 * The package a file belongs to, as its path under the outermost node_modules: 'ws' for
 * …/node_modules/ws/lib/x.js, '@nestjs/graphql/node_modules/ws' for a copy nested under another
 * package. Undefined for a file outside node_modules (the app's own code).
 */
function packageOf(file) {
  const start = file.indexOf(MARKER);
  if (start === -1) return undefined;
  const rest = file.slice(start + MARKER.length).split(path.sep);
  const parts = [];
  for (let i = 0; i < rest.length - 1; ) {
    const length = rest[i].startsWith('@') ? 2 : 1;
    parts.push(...rest.slice(i, i + length));
    i += length;
    if (rest[i] !== 'node_modules') break;
    parts.push(rest[i++]);
  }
  return parts.join('/');
}

module.exports = { packageOf };
