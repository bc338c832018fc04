import type { KubeEmulator } from '@portcullis/kube-emulator';
import { request } from 'node:https';

export interface KubeAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary Kubernetes JSON
  body: any;
}

/** One request to the emulator with a bearer token, as any client would send it. */
export function kube(emu: KubeEmulator, token: string, method: string, path: string, body?: unknown): Promise<KubeAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${emu.url}${path}`,
      {
        method,
        ca: emu.caPem,
        agent: false,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** What the cluster says the token's holder may do: a SelfSubjectAccessReview. */
export async function canI(emu: KubeEmulator, token: string, verb: string, resource: string, namespace?: string): Promise<boolean> {
  const answer = await kube(emu, token, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb, resource, ...(namespace ? { namespace } : {}) } },
  });
  if (answer.status !== 201) throw new Error(`SelfSubjectAccessReview answered ${answer.status}`);
  return answer.body.status.allowed === true;
}

export interface ManagedObjects {
  serviceAccounts: string[];
  clusterRoleBindings: string[];
  roleBindings: string[];
  clusterRoles: string[];
}

/** Everything on the cluster labelled managed-by=portcullis, as the cluster admin sees it. */
export async function managedObjects(emu: KubeEmulator, namespace = 'portcullis-system'): Promise<ManagedObjects> {
  const selector = `labelSelector=${encodeURIComponent('app.kubernetes.io/managed-by=portcullis')}`;
  const names = async (path: string, withNamespace = false) => {
    const answer = await kube(emu, emu.adminToken, 'GET', `${path}?${selector}`);
    if (answer.status === 404) return [];
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}`);
    return (answer.body.items as Array<{ metadata: { name: string; namespace?: string } }>)
      .map((item) => (withNamespace ? `${item.metadata.namespace}/${item.metadata.name}` : item.metadata.name))
      .sort();
  };
  return {
    serviceAccounts: await names(`/api/v1/namespaces/${namespace}/serviceaccounts`),
    clusterRoleBindings: await names('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'),
    roleBindings: await names('/apis/rbac.authorization.k8s.io/v1/rolebindings', true),
    clusterRoles: await names('/apis/rbac.authorization.k8s.io/v1/clusterroles'),
  };
}
