import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { isRecord, type KubeObject, type UserInfo } from '../api/kube-object';

// The seed: multi-document YAML of Kubernetes objects (or `kind: List`), plus two emulator-only
// kinds under apiVersion emulator.portcullis.dev/v1:
//   StaticToken  {token, user: {username, groups, uid}}  — a bearer token (like --token-auth-file)
//   PodLog       {metadata: {namespace, name: <pod>}, container, lines: [...]}  — initial log lines

export const EMULATOR_API_VERSION = 'emulator.portcullis.dev/v1';

export interface StaticToken {
  token: string;
  user: UserInfo;
}

export interface PodLogSeed {
  namespace: string;
  pod: string;
  container?: string;
  lines: string[];
}

export interface SeedDocument {
  objects: KubeObject[];
  staticTokens: StaticToken[];
  podLogs: PodLogSeed[];
}

/** `seed` is YAML text when it spans lines, otherwise a file path. */
export function loadSeedText(seed: string): string {
  return seed.includes('\n') ? seed : readFileSync(seed, 'utf8');
}

export function parseManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`invalid YAML: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) throw new Error('every YAML document must be an object');
    if (value.kind === 'List' && Array.isArray(value.items)) out.push(...(value.items as KubeObject[]));
    else out.push(value as KubeObject);
  }
  return out;
}

export function parseSeed(text: string): SeedDocument {
  const seed: SeedDocument = { objects: [], staticTokens: [], podLogs: [] };
  for (const doc of parseManifests(text)) {
    if (doc.apiVersion !== EMULATOR_API_VERSION) {
      seed.objects.push(doc);
      continue;
    }
    const body = doc as Record<string, unknown>;
    if (doc.kind === 'StaticToken') {
      const user = body.user as Partial<UserInfo> | undefined;
      if (typeof body.token !== 'string' || !user?.username) throw new Error('StaticToken needs token and user.username');
      seed.staticTokens.push({ token: body.token, user: { username: user.username, groups: user.groups ?? [], ...(user.uid ? { uid: user.uid } : {}) } });
    } else if (doc.kind === 'PodLog') {
      if (!doc.metadata?.name || !Array.isArray(body.lines)) throw new Error('PodLog needs metadata.name (the pod) and lines');
      seed.podLogs.push({
        namespace: doc.metadata.namespace ?? 'default',
        pod: doc.metadata.name,
        ...(typeof body.container === 'string' ? { container: body.container } : {}),
        lines: (body.lines as unknown[]).map(String),
      });
    } else throw new Error(`unknown emulator kind ${String(doc.kind)}`);
  }
  // Namespaces and ServiceAccounts first, so a seed need not be ordered by dependency.
  const rank = (o: KubeObject) => (o.kind === 'Namespace' ? 0 : o.kind === 'ServiceAccount' ? 1 : 2);
  seed.objects.sort((a, b) => rank(a) - rank(b));
  return seed;
}
