import { EffectiveAccessEntry } from '@portcullis/contracts';
import { Document } from 'yaml';

/** One context of the consolidated kubeconfig: a cluster, and the namespace to start in when that is unambiguous. */
export interface ClusterContext {
  cluster: string;
  namespace?: string;
}

export interface KubeconfigDocumentInput {
  kubeconfigId: string;
  userId: string;
  email: string | null;
  expiresAt: Date;
  /** e.g. https://portcullis.example.com; each context's server is `<proxyUrl>/clusters/<cluster>`. */
  proxyUrl: string;
  proxyCaPem: string;
  clientCertificatePem: string;
  clientKeyPem: string;
  contexts: ClusterContext[];
}

/**
 * One context per cluster in the effective access, sorted by name. A context gets a namespace
 * only when every grant on that cluster is limited to exactly that one namespace: then it is
 * the only place the person can work, so kubectl should start there.
 */
export function clusterContexts(entries: EffectiveAccessEntry[]): ClusterContext[] {
  const namespacesByCluster = new Map<string, string[][]>();
  for (const entry of entries) {
    namespacesByCluster.set(entry.cluster.name, [...(namespacesByCluster.get(entry.cluster.name) ?? []), entry.namespaces]);
  }
  return [...namespacesByCluster.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([cluster, grants]) => {
      const only = grants[0].length === 1 ? grants[0][0] : undefined;
      const single = only !== undefined && grants.every((namespaces) => namespaces.length === 1 && namespaces[0] === only);
      return single ? { cluster, namespace: only } : { cluster };
    });
}

/** A readable, stable kubeconfig user name: from the email when there is one, else from the user id. */
export function kubeconfigUserName(userId: string, email: string | null): string {
  const safe = (email ?? userId)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 53)
    .replace(/-+$/, '');
  return `portcullis-${safe || 'user'}`;
}

const base64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');

/** The consolidated kubeconfig (YAML): every context points at the proxy and carries the same client certificate. */
export function buildKubeconfigDocument(input: KubeconfigDocumentInput): string {
  if (input.contexts.length === 0) throw new Error('a kubeconfig needs at least one context');
  const user = kubeconfigUserName(input.userId, input.email);
  const proxyUrl = input.proxyUrl.replace(/\/+$/, '');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: input.contexts.map(({ cluster }) => ({
      name: cluster,
      cluster: { server: `${proxyUrl}/clusters/${cluster}`, 'certificate-authority-data': base64(input.proxyCaPem) },
    })),
    contexts: input.contexts.map(({ cluster, namespace }) => ({
      name: cluster,
      context: { cluster, user, ...(namespace ? { namespace } : {}) },
    })),
    'current-context': input.contexts[0].cluster,
    users: [{ name: user, user: { 'client-certificate-data': base64(input.clientCertificatePem), 'client-key-data': base64(input.clientKeyPem) } }],
  };
  // kubectl parses YAML 1.1, where a bare `yes` or `on` (both valid cluster names) is a boolean;
  // writing 1.1 makes the library quote them.
  const document = new Document(config, { version: '1.1' });
  document.commentBefore =
    ` Portcullis kubeconfig ${input.kubeconfigId} for ${input.email ?? input.userId}, valid until ${input.expiresAt.toISOString()}.\n` +
    ' It holds your personal credential: keep it private. Revoke it in the portal if it leaks.';
  return document.toString({ lineWidth: 0 });
}
