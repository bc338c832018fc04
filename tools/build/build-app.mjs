// Compiles one app and the libraries it may import into dist/apps/<app> (or --out-dir), as
// CommonJS with decorator metadata (Nest's DI needs it) and the @portcullis/* aliases rewritten
// to relative paths, so `node dist/apps/<app>/main.js` runs without a loader.
import { transformFile } from '@swc/core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: options, positionals } = parseArgs({ options: { 'out-dir': { type: 'string' } }, allowPositionals: true });
const app = positionals[0];
if (!app || !fs.existsSync(path.join(root, 'apps', app, 'src', 'main.ts'))) {
  console.error(`usage: build-app.mjs <app> [--out-dir <dir>]  (no apps/${app ?? '?'}/src/main.ts)`);
  process.exit(2);
}

const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
const outDir = options['out-dir'] ? path.resolve(options['out-dir']) : path.join(root, 'dist', 'apps', app);

// Test fixtures beside the code (*.spec.ts, *.stub.ts, test/) stay out of the image.
const isShipped = (name) => name.endsWith('.ts') && !/\.(spec|stub|d)\.ts$/.test(name);

function sources(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test' ? [] : sources(full);
    return isShipped(entry.name) ? [full] : [];
  });
}

// Libraries tagged type:testing (harnesses that drive browsers, emulators and child processes)
// are for tests only; the module-boundary rule keeps apps from importing them.
function isTestingLibrary(dir) {
  const project = path.join(dir, 'project.json');
  return fs.existsSync(project) && JSON.parse(fs.readFileSync(project, 'utf8')).tags?.includes('type:testing');
}
function libraries(dir) {
  if (fs.existsSync(path.join(dir, 'project.json'))) return isTestingLibrary(dir) ? [] : [dir];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? libraries(path.join(dir, entry.name)) : []));
}

const files = [path.join(root, 'apps', app, 'src'), ...libraries(path.join(root, 'libs'))].flatMap(sources);
if (options['out-dir']) {
  // Never clear a directory someone named: it may hold more than an earlier build.
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length) {
    console.error(`build-app.mjs: --out-dir ${outDir} is not empty`);
    process.exit(2);
  }
} else {
  fs.rmSync(outDir, { recursive: true, force: true });
}

for (const file of files) {
  const { code, map } = await transformFile(file, {
    sourceMaps: true,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: root,
      paths: compilerOptions.paths,
    },
    module: { type: 'commonjs' },
  });
  const target = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
  fs.writeFileSync(`${target}.map`, map);
}

// Static assets beside the code (the portal's page, for one) travel with it.
function assets(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return assets(full);
    return /\.(html|css|js|svg|png|ico|json)$/.test(entry.name) ? [full] : [];
  });
}
for (const asset of assets(path.join(root, 'apps', app, 'src'))) {
  const target = path.join(outDir, path.relative(root, asset));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(asset, target);
}

// Stable entry points at the top of the output, whatever the source layout.
fs.writeFileSync(path.join(outDir, 'main.js'), `require('./apps/${app}/src/main.js');\n`);
// The cluster agent has no database, so no migrate entry point.
if (fs.existsSync(path.join(root, 'apps', app, 'src', 'migrate.ts'))) {
  fs.writeFileSync(path.join(outDir, 'migrate.js'), `require('./apps/${app}/src/migrate.js');\n`);
}
if (fs.existsSync(path.join(root, 'apps', app, 'src', 'export.ts'))) {
  fs.writeFileSync(path.join(outDir, 'export.js'), `require('./apps/${app}/src/export.js');\n`);
}
// The image's HEALTHCHECK runs it (docker/service.Dockerfile).
fs.copyFileSync(path.join(root, 'tools', 'build', 'healthcheck.cjs'), path.join(outDir, 'healthcheck.js'));
console.log(`built ${app}: ${files.length} files → ${path.relative(root, outDir)}/main.js`);
