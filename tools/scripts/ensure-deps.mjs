// Installs dependencies when node_modules is missing or older than package-lock.json.
// Uses nothing but Node itself, because it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stampFile = path.join(root, 'node_modules', '.portcullis-install-stamp');

function lockHash() {
  const lock = path.join(root, 'package-lock.json');
  const content = fs.existsSync(lock) ? fs.readFileSync(lock) : fs.readFileSync(path.join(root, 'package.json'));
  return createHash('sha256').update(content).digest('hex');
}

export function ensureDependencies() {
  const wanted = lockHash();
  const current = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : null;
  if (current === wanted) return;
  const reason = fs.existsSync(path.join(root, 'node_modules')) ? 'out of date' : 'missing';
  console.log(`[deps] node_modules is ${reason}; running npm ci`);
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('[deps] npm ci failed; see the output above');
    process.exit(result.status ?? 1);
  }
  fs.writeFileSync(stampFile, `${wanted}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureDependencies();
