import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export interface ImportViolation {
  /** The app's own file that loads it. */
  file: string;
  specifier: string;
  /** The package named, for a bare specifier. */
  package?: string;
  problem: 'not in dependencies' | 'does not resolve';
}

export interface AppGraph {
  /** Files reached from the entry points. */
  files: number;
  /** Every package reached, as its path under node_modules ('ws', '@nestjs/graphql/node_modules/ws'). */
  packages: string[];
  violations: ImportViolation[];
  /** Literal loads inside node_modules that resolve to nothing: optional or guarded. */
  unresolvedInPackages: number;
}

/**
 * The static require graph of each built app directory (its main.js, migrate.js, export.js),
 * held against the `dependencies` of `manifest`; see require-graph.mjs. Keyed by directory name.
 */
export async function requireGraph(manifest: string, appDirs: string[]): Promise<Record<string, AppGraph>> {
  const script = path.join(__dirname, 'require-graph.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, ['--experimental-import-meta-resolve', script, '--manifest', manifest, ...appDirs], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, AppGraph>;
}
