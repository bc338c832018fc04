// The browser tests drive Debian's Chromium with playwright-core (nothing is downloaded by npm).
// As root on Debian it is installed with apt-get when missing; elsewhere those tests skip.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function ensureChromium(log = (line) => console.log(`[chromium] ${line}`)) {
  const found = candidates.find((path) => fs.existsSync(path));
  if (found) return found;
  const canInstall = process.getuid?.() === 0 && fs.existsSync('/etc/debian_version');
  if (!canInstall) {
    log('not installed and cannot install it here (needs root on Debian): browser tests will be skipped');
    return null;
  }
  log('installing Debian package chromium (once)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  const result = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'ignore', env });
  const installed = candidates.find((path) => fs.existsSync(path));
  if (result.status !== 0 || !installed) {
    log('apt-get install chromium failed: browser tests will be skipped');
    return null;
  }
  return installed;
}
