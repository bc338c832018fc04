// `npm run screenshots`: refresh the README's portal images (docs/images/portal-*.png) by running
// the browser walkthrough spec, e2e/control-plane/portal-walkthrough.e2e.spec.ts, on the
// production runtime with PORTCULLIS_SCREENSHOTS_DIR set. It needs what that spec needs: the
// local stack's PostgreSQL (made available here, as npm test does) and Debian's Chromium.
//
// The spec writes into a scratch directory first; docs/images changes only when the whole walk
// passed, so a failed run never leaves a mix of old and new pictures.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { ensureDependencies } from './ensure-deps.mjs';
import { reexecOnProductionRuntime } from './runtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const spec = 'e2e/control-plane/portal-walkthrough.e2e.spec.ts';
const imagesDir = path.join(root, 'docs', 'images');

await reexecOnProductionRuntime();
ensureDependencies();

function fail(message) {
  console.error(`[screenshots] ${message}`);
  process.exit(1);
}

const { ensureChromium } = await import('./ensure-chromium.mjs');
// Without Chromium the spec skips itself; here that is a failure, not a pass.
const chromium = ensureChromium();
if (!chromium) fail("no Chromium: install Debian's chromium package (apt-get install chromium), then run again");

const { ensureStack, StackError } = await import('../local-stack/local-stack.mjs');
let stack;
try {
  stack = await ensureStack({ dataDir: path.join(root, '.data') });
} catch (error) {
  fail(error instanceof StackError ? error.message : String(error));
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-screenshots-'));
const resultsFile = path.join(scratch, 'jest-results.json');
const logFile = path.join(root, 'tmp', 'screenshots.log');
fs.mkdirSync(path.dirname(logFile), { recursive: true });

function runSpec() {
  const env = { ...process.env, DATABASE_URL: stack.databaseUrl, NATS_URL: stack.natsUrl, CHROMIUM_PATH: chromium, PORTCULLIS_SCREENSHOTS_DIR: path.join(scratch, 'images') };
  const log = fs.openSync(logFile, 'w');
  const child = spawn(path.join(root, 'node_modules', '.bin', 'jest'), ['-c', 'e2e/jest.config.cjs', spec, '--json', `--outputFile=${resultsFile}`], { cwd: root, env, stdio: ['ignore', log, log] });
  const stop = (signal) => child.kill(signal);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

/** The first line of the first failure jest reported, or what is known without it. */
function failureReason(code) {
  try {
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    const message = results.testResults.flatMap((suite) => [...suite.assertionResults.flatMap((test) => test.failureMessages), suite.message]).find(Boolean);
    if (message) return stripVTControlCharacters(message).trim().split('\n')[0];
    if (results.numPassedTests === 0) return 'the walkthrough was skipped';
  } catch {
    // no results file: jest did not get that far
  }
  return `jest exited with code ${code}`;
}

let code;
try {
  code = await runSpec();
} finally {
  await stack.stop();
}
const shots = fs.existsSync(path.join(scratch, 'images')) ? fs.readdirSync(path.join(scratch, 'images')).filter((name) => /^portal-.*\.png$/.test(name)).sort() : [];
if (code !== 0 || shots.length === 0) {
  const reason = code !== 0 ? failureReason(code) : 'the walkthrough wrote no screenshots';
  fs.rmSync(scratch, { recursive: true, force: true });
  fail(`${reason} (full output: ${path.relative(root, logFile)}); docs/images is unchanged`);
}

fs.mkdirSync(imagesDir, { recursive: true });
for (const name of fs.readdirSync(imagesDir).filter((file) => /^portal-.*\.png$/.test(file) && !shots.includes(file))) fs.rmSync(path.join(imagesDir, name));
for (const name of shots) {
  fs.copyFileSync(path.join(scratch, 'images', name), path.join(imagesDir, name));
  const png = fs.readFileSync(path.join(imagesDir, name));
  console.log(`[screenshots] wrote ${path.relative(root, path.join(imagesDir, name))} (${png.readUInt32BE(16)}×${png.readUInt32BE(20)}, ${Math.round(png.length / 1024)} KiB)`);
}
fs.rmSync(scratch, { recursive: true, force: true });
