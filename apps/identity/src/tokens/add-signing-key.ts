// Separate entry point: adds a new platform JWT signing key at the head of the keys file.
//   node dist/apps/identity/apps/identity/src/tokens/add-signing-key.js <file>
import { addSigningKey } from './signing-keys';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: add-signing-key <keys-file>\n');
    process.exit(2);
  }
  const kid = await addSigningKey(file);
  process.stdout.write(`added signing key ${kid} to ${file}\n`);
}

void main();
