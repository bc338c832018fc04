import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { workspaceRoot } from '@portcullis/platform/testing';

const entry = z.strictObject({
  name: z.string().min(1),
  keys: z.array(z.string().min(1)),
  usedBy: z.array(z.string().min(1)),
  purpose: z.string().min(1),
});

const file = z.strictObject({
  secrets: z.array(entry).default([]),
  configMaps: z.array(entry).default([]),
});

/** Secrets and ConfigMaps an operator creates before applying, by name, with the keys they hold. */
export interface OperatorProvided {
  secrets: Map<string, string[]>;
  configMaps: Map<string, string[]>;
}

export const operatorProvidedFile = path.join(workspaceRoot, 'k8s', 'operator-provided.yaml');

/** k8s/operator-provided.yaml; a missing file lists nothing, so every reference must then be rendered. */
export function loadOperatorProvided(from = operatorProvidedFile): OperatorProvided {
  const parsed = existsSync(from) ? file.safeParse(parse(readFileSync(from, 'utf8')) ?? {}) : file.safeParse({});
  if (!parsed.success) throw new Error(`${path.relative(workspaceRoot, from)}: ${z.prettifyError(parsed.error)}`);
  const byName = (entries: Array<z.infer<typeof entry>>, what: string): Map<string, string[]> => {
    const map = new Map<string, string[]>();
    for (const { name, keys } of entries) {
      if (map.has(name)) throw new Error(`${path.relative(workspaceRoot, from)}: ${what} ${name} is listed twice`);
      map.set(name, keys);
    }
    return map;
  };
  return { secrets: byName(parsed.data.secrets, 'Secret'), configMaps: byName(parsed.data.configMaps, 'ConfigMap') };
}
