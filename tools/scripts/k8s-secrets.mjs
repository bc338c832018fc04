// `npm run k8s:secrets -- <overlay-dir>`: writes real values into the overlay's secrets/ where
// files still hold placeholders, keeping every value already there (tools/deploy-secrets), on the
// production runtime (see runtime.mjs).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';
import { reexecOnProductionRuntime } from './runtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

await reexecOnProductionRuntime();
ensureDependencies();
// The TypeScript is compiled on the fly like the services' (start.mjs), with the repository's
// tsconfig (its path aliases) wherever the command was started from.
process.env.SWC_NODE_PROJECT ??= path.join(root, 'tsconfig.json');
const require = createRequire(import.meta.url);
require('@swc-node/register');
const { runK8sSecretsCommand } = require('../deploy-secrets/src/index.ts');

process.exitCode = await runK8sSecretsCommand(process.argv.slice(2), {
  // npm runs scripts in the repository root; a relative path means the operator's directory.
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
