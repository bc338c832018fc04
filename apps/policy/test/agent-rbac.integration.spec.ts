import { KubeEmulator } from '@portcullis/kube-emulator';
import { collectionPath } from '@portcullis/local-stack';
import https from 'node:https';
import YAML from 'yaml';
import { renderAgentManifest } from '../src/agents/agent-manifest';

const NAMESPACE = 'portcullis-system';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const MANAGED = { 'app.kubernetes.io/managed-by': 'portcullis', 'portcullis.dev/user-hash': '0123456789abcdef' };
const SELECTOR = `labelSelector=${encodeURIComponent('app.kubernetes.io/managed-by=portcullis')}`;
const JIT = 'pc-0123456789abcdef';

interface KubeObject {
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  [field: string]: unknown;
}

/**
 * The manifest's RBAC against the Kubernetes API emulator (which evaluates RBAC, `escalate` and
 * `bind` as kube-apiserver does): the agent can make every call sa-provisioner makes on a
 * cluster (apps/sa-provisioner/src/clusters/cluster-api.ts), and nothing else that matters.
 */
describe('the cluster agent manifest on a cluster', () => {
  let emulator: KubeEmulator;
  let agentToken: string;

  function call(token: string, method: string, path: string, body?: object): Promise<{ status: number; body: KubeObject }> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, emulator.url);
      const request = https.request(url, { method, ca: emulator.caPem, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' } }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as KubeObject) : ({} as KubeObject) }));
      });
      request.on('error', reject);
      request.end(body ? JSON.stringify(body) : undefined);
    });
  }

  const asAgent = (method: string, path: string, body?: object) => call(agentToken, method, path, body).then((response) => response.status);

  beforeAll(async () => {
    emulator = await KubeEmulator.start({ tokenAuthCacheMs: 0 });
    const manifest = renderAgentManifest({ clusterName: 'edge', tunnelUrl: 'https://tunnel.example.com', tunnelCaPem: null, bootstrapToken: 'pcb_test', image: 'portcullis/cluster-agent:0.1.0' });
    for (const document of YAML.parseAllDocuments(manifest)) {
      const object = document.toJS() as KubeObject;
      const created = await call(emulator.adminToken, 'POST', collectionPath(object), object);
      expect({ object: `${object.kind}/${object.metadata.name}`, status: created.status }).toEqual({ object: `${object.kind}/${object.metadata.name}`, status: 201 });
    }
    const token = await call(emulator.adminToken, 'POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/portcullis-agent/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [], expirationSeconds: 600 },
    });
    agentToken = (token.body['status'] as { token: string }).token;
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('lets the agent make every call sa-provisioner makes, granting roles it does not hold itself', async () => {
    const customRole = { metadata: { name: 'portcullis-role-pod-reader', labels: { 'app.kubernetes.io/managed-by': 'portcullis' } }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] };
    const binding = (name: string, role: string, namespace?: string) => ({
      metadata: { name, labels: MANAGED, ...(namespace ? { namespace } : {}) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: JIT, namespace: NAMESPACE }],
    });

    const statuses: Array<[string, number]> = [];
    const step = async (what: string, status: Promise<number>) => statuses.push([what, await status]);
    await step('read the JIT namespace', asAgent('GET', `/api/v1/namespaces/${NAMESPACE}`));
    await step('create a JIT ServiceAccount', asAgent('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, { metadata: { name: JIT, labels: MANAGED } }));
    await step('list managed ServiceAccounts', asAgent('GET', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts?${SELECTOR}`));
    await step('request its token', asAgent('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${JIT}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 600 } }));
    await step('read a custom ClusterRole', asAgent('GET', `${RBAC}/clusterroles/portcullis-role-pod-reader`).then((status) => (status === 404 ? 200 : status)));
    await step('create a custom ClusterRole', asAgent('POST', `${RBAC}/clusterroles`, customRole));
    const current = await call(agentToken, 'GET', `${RBAC}/clusterroles/portcullis-role-pod-reader`);
    await step(
      'update its rules',
      asAgent('PUT', `${RBAC}/clusterroles/portcullis-role-pod-reader`, { ...customRole, metadata: { ...customRole.metadata, resourceVersion: current.body.metadata.resourceVersion }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get'] }] }),
    );
    await step('bind cluster-admin cluster-wide', asAgent('POST', `${RBAC}/clusterrolebindings`, binding(`${JIT}-cluster-admin`, 'cluster-admin')));
    await step('bind the custom role cluster-wide', asAgent('POST', `${RBAC}/clusterrolebindings`, binding(`${JIT}-pod-reader`, 'portcullis-role-pod-reader')));
    await step('bind edit in a namespace', asAgent('POST', `${RBAC}/namespaces/default/rolebindings`, binding(`${JIT}-edit`, 'edit', 'default')));
    await step('list managed ClusterRoleBindings', asAgent('GET', `${RBAC}/clusterrolebindings?${SELECTOR}`));
    await step('list managed RoleBindings everywhere', asAgent('GET', `${RBAC}/rolebindings?${SELECTOR}`));
    await step('delete a RoleBinding', asAgent('DELETE', `${RBAC}/namespaces/default/rolebindings/${JIT}-edit`));
    await step('delete a ClusterRoleBinding', asAgent('DELETE', `${RBAC}/clusterrolebindings/${JIT}-cluster-admin`));
    await step('delete the ServiceAccount', asAgent('DELETE', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${JIT}`));
    await step('create its identity Secret', asAgent('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, { metadata: { name: 'portcullis-agent-identity' }, stringData: { 'tls.crt': 'x' } }));
    const identity = await call(agentToken, 'GET', `/api/v1/namespaces/${NAMESPACE}/secrets/portcullis-agent-identity`);
    await step('read it', Promise.resolve(identity.status));
    await step('rewrite it', asAgent('PUT', `/api/v1/namespaces/${NAMESPACE}/secrets/portcullis-agent-identity`, { ...identity.body, stringData: { 'tls.crt': 'y' } }));

    expect(statuses.filter(([, status]) => status >= 300)).toEqual([]);
  });

  it('refuses the agent everything else', async () => {
    const refused: Array<[string, string]> = [
      ['POST', '/api/v1/namespaces'],
      ['GET', '/api/v1/namespaces/default'],
      ['GET', `/api/v1/namespaces/${NAMESPACE}/secrets`],
      ['GET', `/api/v1/namespaces/${NAMESPACE}/secrets/portcullis-agent-bootstrap`],
      ['GET', '/api/v1/namespaces/kube-system/secrets'],
      ['POST', '/api/v1/namespaces/default/serviceaccounts'],
      ['GET', '/api/v1/namespaces/default/pods'],
      ['GET', `${RBAC}/clusterroles`],
      ['DELETE', `${RBAC}/clusterroles/view`],
      ['PUT', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/portcullis-agent`],
    ];

    const statuses = await Promise.all(refused.map(async ([method, path]) => [method, path, await asAgent(method, path, method === 'GET' || method === 'DELETE' ? undefined : { metadata: { name: 'x' } })]));

    expect(statuses).toEqual(refused.map(([method, path]) => [method, path, 403]));
  });
});
