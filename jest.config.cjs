// One jest run over every project, so `npm test` gets a single JSON result.
const fs = require('node:fs');
const path = require('node:path');

const searchRoots = ['apps', 'libs', 'tools', 'e2e'];
const skip = new Set(['node_modules', 'dist', '.data', 'src', 'test']);

function findProjects(dir) {
  if (!fs.existsSync(dir)) return [];
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && e.name === 'jest.config.cjs') ? [dir] : [];
  const below = entries
    .filter((e) => e.isDirectory() && !skip.has(e.name))
    .flatMap((e) => findProjects(path.join(dir, e.name)));
  return [...here, ...below];
}

module.exports = {
  // A global option: jest ignores testTimeout inside `projects` entries. Integration tests start
  // processes and brokers, so the default 5 s is too short for them on a 2-core machine.
  testTimeout: 120_000,
  projects: searchRoots.flatMap((root) => findProjects(path.join(__dirname, root))),
};
