import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import YAML from 'yaml';

/** An API server as its admin reaches it (the demo's emulated clusters). */
export interface ClusterAdminAccess {
  server: string;
  caBundle: string;
  token: string;
}

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

const AGENT_NAMESPACE = 'portcullis-system';
const AGENT_SERVICE_ACCOUNT = 'portcullis-agent';

/** Where `kubectl apply` would create each kind the agent manifest holds (no discovery needed for these). */
const collections: Record<string, (namespace: string) => string> = {
  Namespace: () => '/api/v1/namespaces',
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  Secret: (ns) => `/api/v1/namespaces/${ns}/secrets`,
  ClusterRole: () => '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  NetworkPolicy: (ns) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`,
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
};

/** The collection an object of the agent manifest is created in; throws for a kind the manifest never holds. */
export function collectionPath(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const collection = collections[object.kind];
  if (!collection) throw new Error(`the agent manifest holds a ${object.kind}, which the demo cannot install`);
  return collection(object.metadata.namespace ?? '');
}

function call(cluster: ClusterAdminAccess, method: string, target: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(target, cluster.server);
    const request = https.request(
      url,
      { method, ca: cluster.caBundle, agent: false, headers: { authorization: `Bearer ${cluster.token}`, 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * Installs an agent registration's manifest on a cluster that has no kubelet (the demo's and the
 * tests' emulated clusters), as `kubectl apply -f` would create it: everything but the
 * Deployment, which the caller runs as a local process instead. Returns where the agent reads its
 * bootstrap token (the Secret's key, written to a file as the Deployment would mount it) and a
 * kubeconfig for its ServiceAccount (what the in-cluster configuration would give it).
 */
export async function installAgentManifest(cluster: ClusterAdminAccess, manifest: string, dir: string): Promise<{ kubeconfigFile: string; bootstrapTokenFile: string; tunnelCaFile: string | undefined }> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const objects = YAML.parseAllDocuments(manifest)
    .map((document) => document.toJSON() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null && object.kind !== 'Deployment');
  for (const object of objects) {
    const collection = collectionPath(object);
    const created = await call(cluster, 'POST', collection, object);
    if (created.status === 409) {
      const replaced = await call(cluster, 'PUT', `${collection}/${object.metadata.name}`, object);
      if (replaced.status >= 300) throw new Error(`replacing ${object.kind} ${object.metadata.name} failed: ${replaced.status} ${replaced.text.slice(0, 200)}`);
    } else if (created.status >= 300) {
      throw new Error(`creating ${object.kind} ${object.metadata.name} failed: ${created.status} ${created.text.slice(0, 200)}`);
    }
  }

  const bootstrap = objects.find((object) => object.kind === 'Secret' && object.metadata.name === 'portcullis-agent-bootstrap') as { stringData?: Record<string, string> } | undefined;
  const bootstrapTokenFile = path.join(dir, 'bootstrap-token');
  fs.writeFileSync(bootstrapTokenFile, bootstrap?.stringData?.['bootstrap-token'] ?? '', { mode: 0o600 });
  let tunnelCaFile: string | undefined;
  if (bootstrap?.stringData?.['tunnel-ca.crt']) {
    tunnelCaFile = path.join(dir, 'tunnel-ca.crt');
    fs.writeFileSync(tunnelCaFile, bootstrap.stringData['tunnel-ca.crt']);
  }

  const tokenRequest = await call(cluster, 'POST', `/api/v1/namespaces/${AGENT_NAMESPACE}/serviceaccounts/${AGENT_SERVICE_ACCOUNT}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 7 * 86_400 },
  });
  if (tokenRequest.status >= 300) throw new Error(`a token for the agent's ServiceAccount was refused: ${tokenRequest.status}`);
  const token = (JSON.parse(tokenRequest.text) as { status: { token: string } }).status.token;
  const kubeconfigFile = path.join(dir, 'agent.kubeconfig');
  fs.writeFileSync(
    kubeconfigFile,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'in-cluster', cluster: { server: cluster.server, 'certificate-authority-data': Buffer.from(cluster.caBundle).toString('base64') } }],
      users: [{ name: AGENT_SERVICE_ACCOUNT, user: { token } }],
      contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: AGENT_SERVICE_ACCOUNT, namespace: AGENT_NAMESPACE } }],
      'current-context': 'in-cluster',
    }),
    { mode: 0o600 },
  );
  return { kubeconfigFile, bootstrapTokenFile, tunnelCaFile };
}
