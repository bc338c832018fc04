import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { workspaceRoot } from '@portcullis/platform/testing';
import type { RenderedObject } from './rendered-object';

// The names kustomize itself looks for, in its order.
const kustomizationFiles = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export const kubectlAvailable = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

/**
 * Every directory under k8s/ that kustomize can build, relative to the workspace (k8s/base/proxy),
 * so that a new base or overlay is checked without being listed anywhere. Components
 * (kind: Component) only build as part of a kustomization that uses them.
 */
export function findKustomizations(root = path.join(workspaceRoot, 'k8s')): string[] {
  const found: string[] = [];
  const visit = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    const file = kustomizationFiles.find((name) => entries.some((entry) => entry.isFile() && entry.name === name));
    if (file && !/^kind:\s*Component\s*$/m.test(readFileSync(path.join(dir, file), 'utf8'))) {
      found.push(path.relative(workspaceRoot, dir));
    }
    for (const entry of entries) if (entry.isDirectory()) visit(path.join(dir, entry.name));
  };
  visit(root);
  return found.sort();
}

export interface Rendering {
  dir: string;
  objects: RenderedObject[];
  /** Why kustomize failed, or what it warned about; undefined when it rendered cleanly. */
  error?: string;
}

const renderings = new Map<string, Rendering>();
const maxBuffer = 64 * 1024 * 1024;

function rendered(dir: string, status: number | string | null, stdout: string, stderr: string): Rendering {
  // kustomize prints deprecation warnings on stderr and still exits 0: they fail the check too.
  const error = status !== 0 || stderr ? `exit ${status}: ${stderr.trim()}` : undefined;
  return { dir, objects: error ? [] : parseObjects(stdout), error };
}

/** `kubectl kustomize <dir>`, once per directory and test file. */
export function render(dir: string): Rendering {
  let rendering = renderings.get(dir);
  if (!rendering) {
    const run = spawnSync('kubectl', ['kustomize', dir], { cwd: workspaceRoot, encoding: 'utf8', maxBuffer });
    rendering = rendered(dir, run.status ?? run.signal, run.stdout, run.stderr || (run.error?.message ?? ''));
    renderings.set(dir, rendering);
  }
  return rendering;
}

/** Renders the directories side by side: kubectl spends most of its time starting up. */
export async function renderAll(dirs: string[], concurrency = 4): Promise<void> {
  const queue = dirs.filter((dir) => !renderings.has(dir));
  const next = async (): Promise<void> => {
    for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
      const current = dir;
      const rendering = await new Promise<Rendering>((resolve) => {
        execFile('kubectl', ['kustomize', current], { cwd: workspaceRoot, encoding: 'utf8', maxBuffer }, (error, stdout, stderr) => {
          resolve(rendered(current, error ? (error.code ?? error.message) : 0, stdout, stderr));
        });
      });
      renderings.set(current, rendering);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, next));
}

export function parseObjects(yaml: string): RenderedObject[] {
  return parseAllDocuments(yaml)
    .map((document) => document.toJS() as RenderedObject | null)
    .filter((object): object is RenderedObject => object !== null);
}
