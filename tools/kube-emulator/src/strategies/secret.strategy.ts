import type { KubeObject } from '../api/kube-object';
import { BASE_STRATEGY, type ResourceStrategy } from './resource-strategy';

/** stringData is write-only: it is folded into data (base64) and never stored, as in the apiserver. */
function foldStringData(secret: KubeObject): void {
  const stringData = secret.stringData as Record<string, string> | undefined;
  if (stringData) {
    const data = { ...((secret.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
    secret.data = data;
    delete secret.stringData;
  }
}

export const SECRET_STRATEGY: ResourceStrategy = {
  ...BASE_STRATEGY,
  prepareForCreate(secret: KubeObject): void {
    if (!secret.type) secret.type = 'Opaque';
    foldStringData(secret);
  },
  prepareForUpdate(secret: KubeObject, old: KubeObject): void {
    if (!secret.type) secret.type = old.type;
    foldStringData(secret);
  },
};
