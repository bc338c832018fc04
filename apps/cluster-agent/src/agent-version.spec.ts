import fs from 'node:fs';
import path from 'node:path';
import { AGENT_VERSION } from './agent-version';

describe('AGENT_VERSION', () => {
  it('is the version in the workspace package.json', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };

    expect(AGENT_VERSION).toBe(manifest.version);
  });
});
