import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireGraph } from './require-graph';

/** Writes `files` (path → content) under `root`; objects are written as JSON. */
function writeTree(root: string, files: Record<string, string | object>): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), typeof content === 'string' ? content : JSON.stringify(content));
  }
}

describe(requireGraph.name, () => {
  let root: string;

  beforeAll(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'require-graph-')));
    writeTree(root, {
      'package.json': { dependencies: { declared: '1.0.0', 'import-only': '1.0.0' }, devDependencies: { 'dev-tool': '1.0.0' } },
      // A production dependency that brings `hoisted` along and loads an optional peer if present.
      'node_modules/declared/package.json': { name: 'declared', main: 'index.js' },
      'node_modules/declared/index.js': "try { require('optional-peer'); } catch {}\nmodule.exports = require('hoisted');\n",
      'node_modules/hoisted/package.json': { name: 'hoisted' },
      'node_modules/hoisted/index.js': 'module.exports = 1;\n',
      'node_modules/dev-tool/package.json': { name: 'dev-tool' },
      'node_modules/dev-tool/index.js': 'module.exports = 1;\n',
      // Nest 12's shape: ES modules only, exported under the `import` condition alone.
      'node_modules/import-only/package.json': { name: 'import-only', type: 'module', exports: { import: './index.js' } },
      'node_modules/import-only/index.js': "import 'declared';\nexport default 1;\n",

      'clean/main.js': "require('node:fs');\nrequire('path');\nrequire('./lib/a.js');\n",
      'clean/lib/a.js': "require('declared');\nimport('import-only');\n",

      'leaky/main.js': "require('./lib/a.js');\n",
      'leaky/lib/a.js': "require('dev-tool');\nrequire('hoisted');\nrequire('./gone.js');\n",
      'leaky/migrate.js': "require('import-only');\n",
    });
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reports nothing for an app whose own code loads only builtins and dependencies, and follows those through node_modules', async () => {
    const sut = await requireGraph(path.join(root, 'package.json'), [path.join(root, 'clean')]);

    expect(sut['clean']).toEqual({ files: 5, packages: ['declared', 'hoisted', 'import-only'], violations: [], unresolvedInPackages: 1 });
  });

  it('names the file and the package when app code loads a devDependency, a package only hoisted there, or what does not resolve', async () => {
    const sut = await requireGraph(path.join(root, 'package.json'), [path.join(root, 'leaky')]);

    const lib = path.join(root, 'leaky', 'lib', 'a.js');
    expect(sut['leaky'].violations).toEqual(
      expect.arrayContaining([
        { file: lib, specifier: 'dev-tool', package: 'dev-tool', problem: 'not in dependencies' },
        { file: lib, specifier: 'hoisted', package: 'hoisted', problem: 'not in dependencies' },
        { file: lib, specifier: './gone.js', problem: 'does not resolve' },
        // require() does not see a package exported for import only, whatever package.json declares.
        { file: path.join(root, 'leaky', 'migrate.js'), specifier: 'import-only', package: 'import-only', problem: 'does not resolve' },
      ]),
    );
    expect(sut['leaky'].violations).toHaveLength(4);
  });
});
