// Walks what built apps load, statically, the way Node would resolve it in the image: from each
// app's entry points through every `require`, `import` and `import()` with a literal specifier,
// into node_modules and through it. Prints JSON per app (named after its directory): the packages
// reached, and each import of the app's own code that the production image could not satisfy.
//
//   node --experimental-import-meta-resolve require-graph.mjs --manifest package.json <app dir>…
//
// Plain JavaScript in a child process on purpose: jest replaces `module` and resolves through its
// own resolver and path aliases, and the answer must be Node's. The flag lets import.meta.resolve
// take a parent URL, so an ES module's imports resolve with the conditions Node uses for them.
import { parseSync } from '@swc/core';
import fs from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { packageOf } from './package-of.cjs';

/** 'pg' for 'pg/lib/client', '@nestjs/core' for '@nestjs/core/injector'. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function stringArgument(node) {
  const expression = node?.expression;
  if (expression?.type === 'StringLiteral') return expression.value;
  if (expression?.type === 'TemplateLiteral' && expression.expressions.length === 0) return expression.quasis[0].cooked ?? expression.quasis[0].raw;
  return undefined;
}

/**
 * The literal specifiers a file loads, each with how: `import`/`export … from` and `import()` resolve
 * with Node's import conditions (from CommonJS too), `require()` with its require conditions.
 */
function loadsIn(code) {
  let program;
  try {
    program = parseSync(code, { syntax: 'ecmascript', target: 'es2024' });
  } catch {
    // Sloppy-mode CommonJS (a `with`, an octal literal) is no valid module; read it as a script.
    program = parseSync(code, { syntax: 'ecmascript', target: 'es2024', script: true });
  }
  const loads = [];
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    switch (node.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'ExportNamedDeclaration':
        if (node.source && !node.typeOnly) loads.push({ specifier: node.source.value, by: 'import' });
        break;
      case 'CallExpression': {
        const { callee } = node;
        const by = callee.type === 'Import' ? 'import' : callee.type === 'Identifier' && callee.value === 'require' && node.arguments.length === 1 ? 'require' : undefined;
        const specifier = by ? stringArgument(node.arguments[0]) : undefined;
        if (specifier !== undefined) loads.push({ specifier, by });
        break;
      }
    }
    for (const key in node) if (key !== 'span') visit(node[key]);
  };
  visit(program.body);
  return loads;
}

function resolve(specifier, from, by) {
  try {
    if (by === 'import') {
      const url = import.meta.resolve(specifier, pathToFileURL(from).href);
      return url.startsWith('file:') ? fs.realpathSync(fileURLToPath(url)) : undefined;
    }
    return fs.realpathSync(createRequire(from).resolve(specifier));
  } catch {
    return undefined;
  }
}

function assertParentUrlsResolve() {
  const probe = path.join(path.parse(process.cwd()).root, 'probe', 'parent.js');
  let resolved;
  try {
    resolved = import.meta.resolve('./sibling.js', pathToFileURL(probe).href);
  } catch {
    resolved = undefined;
  }
  if (resolved !== pathToFileURL(path.join(path.dirname(probe), 'sibling.js')).href) {
    throw new Error('run with --experimental-import-meta-resolve: without it import.meta.resolve ignores its parent URL');
  }
}

/** What one file loads: each literal specifier with the file it resolves to (undefined: it does not). */
function loadsOf(file) {
  if (!/\.[cm]?js$/.test(file)) return []; // JSON, native addons: nothing further to load
  return loadsIn(fs.readFileSync(file, 'utf8'))
    .filter(({ specifier }) => !isBuiltin(specifier))
    .map(({ specifier, by }) => ({ specifier, resolved: resolve(specifier, file, by) }));
}

/**
 * Every file each app reaches from its entry points. A file outside node_modules is the app's own
 * code, held to the image's rule: a package it names must be in `dependencies` and resolve, a
 * relative path must resolve. Inside node_modules an unresolvable literal is usually an optional
 * or guarded load (`try { require('x') }`), so it is counted, not reported. Apps share one
 * node_modules, so each file is read once for all of them.
 */
function walk(apps, dependencies) {
  assertParentUrlsResolve();
  const declared = new Set(dependencies);
  const loads = new Map();
  const results = {};
  for (const { name, entries } of apps) {
    const seen = new Set();
    const packages = new Set();
    const violations = [];
    let unresolvedInPackages = 0;
    const queue = entries.map((entry) => fs.realpathSync(entry));
    while (queue.length) {
      const file = queue.pop();
      if (seen.has(file)) continue;
      seen.add(file);
      const owner = packageOf(file);
      if (owner) packages.add(owner);
      if (!loads.has(file)) loads.set(file, loadsOf(file));
      for (const { specifier, resolved } of loads.get(file)) {
        const bare = !specifier.startsWith('.') && !path.isAbsolute(specifier) && !specifier.startsWith('file:');
        if (!owner) {
          if (bare && !declared.has(packageName(specifier))) violations.push({ file, specifier, package: packageName(specifier), problem: 'not in dependencies' });
          else if (!resolved) violations.push({ file, specifier, package: bare ? packageName(specifier) : undefined, problem: 'does not resolve' });
        } else if (!resolved) {
          unresolvedInPackages++;
        }
        if (resolved) queue.push(resolved);
      }
    }
    results[name] = { files: seen.size, packages: [...packages].sort(), violations, unresolvedInPackages };
  }
  return results;
}

const { values, positionals } = parseArgs({ options: { manifest: { type: 'string' } }, allowPositionals: true });
if (!values.manifest || !positionals.length) {
  process.stderr.write('usage: node --experimental-import-meta-resolve require-graph.mjs --manifest <package.json> <app dir>…\n');
  process.exit(2);
}
const { dependencies = {} } = JSON.parse(fs.readFileSync(values.manifest, 'utf8'));
// What the image can run: main.js, and migrate.js and export.js where the app has them.
const apps = positionals.map((dir) => ({
  name: path.basename(dir),
  entries: ['main.js', 'migrate.js', 'export.js'].map((entry) => path.join(dir, entry)).filter((entry) => fs.existsSync(entry)),
}));
process.stdout.write(JSON.stringify(walk(apps, Object.keys(dependencies))));
