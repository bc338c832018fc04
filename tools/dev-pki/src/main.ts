// Creates (or reuses) the development PKI in a directory and prints the file paths as JSON:
//   node -r @swc-node/register tools/dev-pki/src/main.ts .data/pki
import path from 'node:path';
import { ensureDevPki } from './dev-pki';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: dev-pki <dir>\n');
    process.exit(2);
  }
  const pki = await ensureDevPki(path.resolve(dir));
  process.stdout.write(`${JSON.stringify(pki, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`dev-pki: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
