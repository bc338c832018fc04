// `npm test`: install what is missing, make PostgreSQL and NATS available, lint, type-check,
// run every jest project once, and end with one line `N passed, N failed`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';
import { reexecOnProductionRuntime } from './runtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

await reexecOnProductionRuntime();
ensureDependencies();
const { ensureStack, StackError } = await import('../local-stack/local-stack.mjs');

let stack;
try {
  stack = await ensureStack({ dataDir: path.join(root, '.data') });
} catch (error) {
  console.error(error instanceof StackError ? `[stack] ${error.message}` : error);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const { ensureChromium } = await import('./ensure-chromium.mjs');
const chromium = ensureChromium();
const env = { ...process.env, DATABASE_URL: stack.databaseUrl, NATS_URL: stack.natsUrl, ...(chromium ? { CHROMIUM_PATH: chromium } : {}) };
const stopStack = () => stack.stop();
process.once('SIGINT', () => void stopStack().then(() => process.exit(130)));
process.once('SIGTERM', () => void stopStack().then(() => process.exit(143)));

let exitCode;
try {
  // The module-boundary lint rule reads Nx's project graph; compute it first.
  await run(bin('nx'), ['show', 'projects'], { ...env, NX_DAEMON: 'false' });
  console.log('[test] lint');
  const lint = await run(bin('eslint'), ['.'], env);
  console.log('[test] type-check');
  const typecheck = await run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], env);

  const resultsFile = path.join(root, 'tmp', 'jest-results.json');
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  fs.rmSync(resultsFile, { force: true });
  console.log('[test] jest');
  // Two workers even on two cores: the long specs mostly wait (a watch kept quiet for 70 s, a
  // broker restart, services starting), and jest's default of cores - 1 ran them one after the
  // other (13 min here, 7.5 min with two workers).
  const callerArgs = process.argv.slice(2);
  const workers = callerArgs.some((arg) => arg.startsWith('--maxWorkers') || arg === '-w' || arg === '--runInBand' || arg === '-i') ? [] : ['--maxWorkers=2'];
  const jestArgs = ['--json', `--outputFile=${resultsFile}`, ...workers, ...callerArgs];
  if (process.env.CI) jestArgs.push('--ci');
  const jest = await run(bin('jest'), jestArgs, env);

  let passed = 0;
  let failed = 0;
  if (fs.existsSync(resultsFile)) {
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    passed = results.numPassedTests;
    // A suite that fails to load has no failed tests of its own; count it so it cannot hide.
    failed = results.numFailedTests + results.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0).length;
  } else {
    failed = 1;
  }
  if (lint !== 0) console.log('[test] lint failed');
  if (typecheck !== 0) console.log('[test] type-check failed');
  exitCode = lint || typecheck || jest || failed ? 1 : 0;
  console.log(`${passed} passed, ${failed} failed`);
} finally {
  await stopStack();
}
process.exit(exitCode);
