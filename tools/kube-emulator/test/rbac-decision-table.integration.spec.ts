import { KubeEmulator, type KubeObject } from '@portcullis/kube-emulator';
import { raw, type Credentials } from './support/kube-test-kit';

// RBAC decisions from the examples and rules of the Kubernetes RBAC documentation. Each case is
// checked twice: through a SelfSubjectAccessReview made by the subject, and by the subject making
// the real request (allowed ⇔ the answer is not 403).

type Subject = { user: string; groups?: string[] } | { sa: string };
interface Request {
  verb: string;
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path?: string;
  fieldSelector?: string;
}
interface Case {
  name: string;
  given: KubeObject[];
  subject: Subject;
  request: Request;
  allowed: boolean;
}

const RBAC = 'rbac.authorization.k8s.io/v1';
const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const sa = (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace, name } });
const role = (namespace: string, name: string, rules: object[]): KubeObject => ({ apiVersion: RBAC, kind: 'Role', metadata: { namespace, name }, rules });
const clusterRole = (name: string, rules: object[]): KubeObject => ({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name }, rules });
type SubjectRef = { kind: string; name: string; namespace?: string };
const user = (name: string): SubjectRef => ({ kind: 'User', name });
const group = (name: string): SubjectRef => ({ kind: 'Group', name });
const serviceAccount = (namespace: string | undefined, name: string): SubjectRef => ({ kind: 'ServiceAccount', name, ...(namespace ? { namespace } : {}) });
const roleBinding = (namespace: string, roleKind: 'Role' | 'ClusterRole', roleName: string, ...subjects: SubjectRef[]): KubeObject => ({
  apiVersion: RBAC,
  kind: 'RoleBinding',
  metadata: { namespace, name: `${roleName}-binding` },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName },
  subjects,
});
const clusterRoleBinding = (roleName: string, ...subjects: SubjectRef[]): KubeObject => ({
  apiVersion: RBAC,
  kind: 'ClusterRoleBinding',
  metadata: { name: `${roleName}-global` },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
  subjects,
});
const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]) => ({ apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) });

const podReader = [role('default', 'pod-reader', [rule([''], ['pods'], ['get', 'watch', 'list'])]), roleBinding('default', 'Role', 'pod-reader', user('jane'))];
const secretReader = clusterRole('secret-reader', [rule([''], ['secrets'], ['get', 'watch', 'list'])]);
const configmapUpdater = [role('default', 'configmap-updater', [rule([''], ['configmaps'], ['update', 'get'], ['my-configmap'])]), roleBinding('default', 'Role', 'configmap-updater', user('jane'))];
const inTeam = (roleName: string) => [ns('team'), roleBinding('team', 'ClusterRole', roleName, user('dev'))];

const CASES: Case[] = [
  // Role and RoleBinding (docs: "Role example", "RoleBinding examples")
  { name: 'pod-reader Role lets jane get pods in its namespace', given: podReader, subject: { user: 'jane' }, request: { verb: 'get', resource: 'pods', namespace: 'default', name: 'any' }, allowed: true },
  { name: 'pod-reader Role lets jane list pods in its namespace', given: podReader, subject: { user: 'jane' }, request: { verb: 'list', resource: 'pods', namespace: 'default' }, allowed: true },
  { name: 'pod-reader Role lets jane watch pods in its namespace', given: podReader, subject: { user: 'jane' }, request: { verb: 'watch', resource: 'pods', namespace: 'default' }, allowed: true },
  { name: 'pod-reader Role does not grant delete', given: podReader, subject: { user: 'jane' }, request: { verb: 'delete', resource: 'pods', namespace: 'default', name: 'any' }, allowed: false },
  { name: 'a Role grants nothing in another namespace', given: podReader, subject: { user: 'jane' }, request: { verb: 'list', resource: 'pods', namespace: 'kube-system' }, allowed: false },
  { name: 'a RoleBinding grants nothing cluster-wide', given: podReader, subject: { user: 'jane' }, request: { verb: 'list', resource: 'pods' }, allowed: false },
  { name: 'a RoleBinding binds only its subjects', given: podReader, subject: { user: 'john' }, request: { verb: 'get', resource: 'pods', namespace: 'default', name: 'any' }, allowed: false },
  // ClusterRole referenced by a RoleBinding (docs: "read-secrets" in development)
  { name: 'ClusterRole via RoleBinding applies in the binding namespace', given: [ns('development'), secretReader, roleBinding('development', 'ClusterRole', 'secret-reader', user('dave'))], subject: { user: 'dave' }, request: { verb: 'get', resource: 'secrets', namespace: 'development', name: 's' }, allowed: true },
  { name: 'ClusterRole via RoleBinding does not apply elsewhere', given: [ns('development'), secretReader, roleBinding('development', 'ClusterRole', 'secret-reader', user('dave'))], subject: { user: 'dave' }, request: { verb: 'get', resource: 'secrets', namespace: 'default', name: 's' }, allowed: false },
  // ClusterRoleBinding (docs: "read-secrets-global" for group manager)
  { name: 'ClusterRoleBinding to a group applies in every namespace', given: [secretReader, clusterRoleBinding('secret-reader', group('manager'))], subject: { user: 'mia', groups: ['manager'] }, request: { verb: 'get', resource: 'secrets', namespace: 'kube-system', name: 's' }, allowed: true },
  { name: 'ClusterRoleBinding allows listing across all namespaces', given: [secretReader, clusterRoleBinding('secret-reader', group('manager'))], subject: { user: 'mia', groups: ['manager'] }, request: { verb: 'list', resource: 'secrets' }, allowed: true },
  { name: 'ClusterRoleBinding to a group excludes non-members', given: [secretReader, clusterRoleBinding('secret-reader', group('manager'))], subject: { user: 'mia', groups: ['staff'] }, request: { verb: 'list', resource: 'secrets' }, allowed: false },
  // resourceNames (docs: "Referring to resources")
  { name: 'resourceNames allow the named object', given: configmapUpdater, subject: { user: 'jane' }, request: { verb: 'get', resource: 'configmaps', namespace: 'default', name: 'my-configmap' }, allowed: true },
  { name: 'resourceNames exclude other objects', given: configmapUpdater, subject: { user: 'jane' }, request: { verb: 'get', resource: 'configmaps', namespace: 'default', name: 'other' }, allowed: false },
  { name: 'resourceNames cannot restrict list (no name)', given: configmapUpdater, subject: { user: 'jane' }, request: { verb: 'list', resource: 'configmaps', namespace: 'default' }, allowed: false },
  { name: 'resourceNames cannot restrict create', given: [role('default', 'creator', [rule([''], ['configmaps'], ['create'], ['my-configmap'])]), roleBinding('default', 'Role', 'creator', user('jane'))], subject: { user: 'jane' }, request: { verb: 'create', resource: 'configmaps', namespace: 'default' }, allowed: false },
  { name: 'list restricted by resourceNames works with a metadata.name field selector', given: [role('default', 'one-pod', [rule([''], ['pods'], ['list', 'watch'], ['my-pod'])]), roleBinding('default', 'Role', 'one-pod', user('jane'))], subject: { user: 'jane' }, request: { verb: 'list', resource: 'pods', namespace: 'default', name: 'my-pod', fieldSelector: 'metadata.name=my-pod' }, allowed: true },
  // Subresources
  { name: 'pods/log must be listed explicitly', given: [role('default', 'logs', [rule([''], ['pods', 'pods/log'], ['get'])]), roleBinding('default', 'Role', 'logs', user('jane'))], subject: { user: 'jane' }, request: { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'default', name: 'p' }, allowed: true },
  { name: 'pods does not cover pods/log', given: podReader, subject: { user: 'jane' }, request: { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'default', name: 'p' }, allowed: false },
  { name: 'resource "*" covers subresources', given: [role('default', 'all', [rule([''], ['*'], ['get'])]), roleBinding('default', 'Role', 'all', user('jane'))], subject: { user: 'jane' }, request: { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'default', name: 'p' }, allowed: true },
  { name: '"*/log" covers the log subresource of any resource', given: [role('default', 'any-log', [rule([''], ['*/log'], ['get'])]), roleBinding('default', 'Role', 'any-log', user('jane'))], subject: { user: 'jane' }, request: { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'default', name: 'p' }, allowed: true },
  { name: '"*/log" does not cover the resource itself', given: [role('default', 'any-log', [rule([''], ['*/log'], ['get'])]), roleBinding('default', 'Role', 'any-log', user('jane'))], subject: { user: 'jane' }, request: { verb: 'get', resource: 'pods', namespace: 'default', name: 'p' }, allowed: false },
  // Verbs and API groups
  { name: 'verb "*" allows every verb', given: [role('default', 'deployer', [rule(['apps'], ['deployments'], ['*'])]), roleBinding('default', 'Role', 'deployer', user('jane'))], subject: { user: 'jane' }, request: { verb: 'delete', group: 'apps', resource: 'deployments', namespace: 'default', name: 'd' }, allowed: true },
  { name: 'the API group must match', given: [role('default', 'wrong-group', [rule([''], ['deployments'], ['get'])]), roleBinding('default', 'Role', 'wrong-group', user('jane'))], subject: { user: 'jane' }, request: { verb: 'get', group: 'apps', resource: 'deployments', namespace: 'default', name: 'd' }, allowed: false },
  { name: 'apiGroups "*" matches every group', given: [role('default', 'any-group', [rule(['*'], ['deployments'], ['get'])]), roleBinding('default', 'Role', 'any-group', user('jane'))], subject: { user: 'jane' }, request: { verb: 'get', group: 'apps', resource: 'deployments', namespace: 'default', name: 'd' }, allowed: true },
  { name: 'delete does not imply deletecollection', given: [role('default', 'deleter', [rule([''], ['pods'], ['delete'])]), roleBinding('default', 'Role', 'deleter', user('jane'))], subject: { user: 'jane' }, request: { verb: 'deletecollection', resource: 'pods', namespace: 'default' }, allowed: false },
  // Non-resource URLs
  { name: 'nonResourceURLs with a trailing * match sub-paths', given: [clusterRole('health', [{ nonResourceURLs: ['/healthz', '/healthz/*'], verbs: ['get'] }]), clusterRoleBinding('health', user('probe'))], subject: { user: 'probe' }, request: { verb: 'get', path: '/healthz/etcd' }, allowed: true },
  { name: 'nonResourceURLs are verb-checked', given: [clusterRole('health', [{ nonResourceURLs: ['/healthz', '/healthz/*'], verbs: ['get'] }]), clusterRoleBinding('health', user('probe'))], subject: { user: 'probe' }, request: { verb: 'post', path: '/healthz' }, allowed: false },
  { name: 'nonResourceURLs granted through a RoleBinding have no effect', given: [clusterRole('metrics', [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]), roleBinding('default', 'ClusterRole', 'metrics', user('probe'))], subject: { user: 'probe' }, request: { verb: 'get', path: '/metrics' }, allowed: false },
  // Subjects (docs: "Referring to subjects")
  { name: 'a ServiceAccount subject binds that ServiceAccount', given: [...podReader.slice(0, 1), sa('default', 'robot'), roleBinding('default', 'Role', 'pod-reader', serviceAccount('default', 'robot'))], subject: { sa: 'default/robot' }, request: { verb: 'list', resource: 'pods', namespace: 'default' }, allowed: true },
  { name: 'a ServiceAccount subject without namespace means the binding namespace', given: [ns('qa'), sa('qa', 'robot'), role('qa', 'pod-reader', [rule([''], ['pods'], ['list'])]), roleBinding('qa', 'Role', 'pod-reader', serviceAccount(undefined, 'robot'))], subject: { sa: 'qa/robot' }, request: { verb: 'list', resource: 'pods', namespace: 'qa' }, allowed: true },
  { name: 'group system:serviceaccounts:qa binds every ServiceAccount in qa', given: [ns('qa'), sa('qa', 'any'), role('qa', 'pod-reader', [rule([''], ['pods'], ['list'])]), roleBinding('qa', 'Role', 'pod-reader', group('system:serviceaccounts:qa'))], subject: { sa: 'qa/any' }, request: { verb: 'list', resource: 'pods', namespace: 'qa' }, allowed: true },
  { name: 'group system:serviceaccounts:qa does not bind other namespaces\' ServiceAccounts', given: [ns('qa'), sa('default', 'outsider'), role('qa', 'pod-reader', [rule([''], ['pods'], ['list'])]), roleBinding('qa', 'Role', 'pod-reader', group('system:serviceaccounts:qa'))], subject: { sa: 'default/outsider' }, request: { verb: 'list', resource: 'pods', namespace: 'qa' }, allowed: false },
  { name: 'group system:serviceaccounts binds every ServiceAccount', given: [sa('kube-system', 'ctl'), clusterRole('ns-reader', [rule([''], ['namespaces'], ['list'])]), clusterRoleBinding('ns-reader', group('system:serviceaccounts'))], subject: { sa: 'kube-system/ctl' }, request: { verb: 'list', resource: 'namespaces' }, allowed: true },
  { name: 'group system:authenticated binds every authenticated user', given: [clusterRole('ns-reader', [rule([''], ['namespaces'], ['list'])]), clusterRoleBinding('ns-reader', group('system:authenticated'))], subject: { user: 'anyone' }, request: { verb: 'list', resource: 'namespaces' }, allowed: true },
  { name: 'system:masters may do anything', given: [], subject: { user: 'root', groups: ['system:masters'] }, request: { verb: 'delete', resource: 'nodes', name: 'n1' }, allowed: true },
  { name: 'a user without bindings may not list pods', given: [], subject: { user: 'nobody' }, request: { verb: 'list', resource: 'pods', namespace: 'default' }, allowed: false },
  // Default roles and bindings (docs: "Default roles and role bindings")
  { name: 'every authenticated user may create SelfSubjectAccessReviews', given: [], subject: { user: 'nobody' }, request: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }, allowed: true },
  { name: 'every authenticated user may read /version (system:public-info-viewer)', given: [], subject: { user: 'nobody' }, request: { verb: 'get', path: '/version' }, allowed: true },
  { name: 'every authenticated user may read discovery (system:discovery)', given: [], subject: { user: 'nobody' }, request: { verb: 'get', path: '/apis' }, allowed: true },
  { name: 'no default access to /metrics', given: [], subject: { user: 'nobody' }, request: { verb: 'get', path: '/metrics' }, allowed: false },
  // User-facing roles (docs: "User-facing roles")
  { name: 'view does not include secrets', given: inTeam('view'), subject: { user: 'dev' }, request: { verb: 'get', resource: 'secrets', namespace: 'team', name: 's' }, allowed: false },
  { name: 'view includes pods/log', given: inTeam('view'), subject: { user: 'dev' }, request: { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'team', name: 'p' }, allowed: true },
  { name: 'view does not include pods/exec', given: inTeam('view'), subject: { user: 'dev' }, request: { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'team', name: 'p' }, allowed: false },
  { name: 'edit includes secrets', given: inTeam('edit'), subject: { user: 'dev' }, request: { verb: 'get', resource: 'secrets', namespace: 'team', name: 's' }, allowed: true },
  { name: 'edit includes pods/portforward', given: inTeam('edit'), subject: { user: 'dev' }, request: { verb: 'create', resource: 'pods', subresource: 'portforward', namespace: 'team', name: 'p' }, allowed: true },
  { name: 'edit includes creating ServiceAccount tokens', given: inTeam('edit'), subject: { user: 'dev' }, request: { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'team', name: 'default' }, allowed: true },
  { name: 'edit does not include managing RoleBindings', given: inTeam('edit'), subject: { user: 'dev' }, request: { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'team' }, allowed: false },
  { name: 'admin includes managing RoleBindings', given: inTeam('admin'), subject: { user: 'dev' }, request: { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'team' }, allowed: true },
  { name: 'admin does not include the namespace resource beyond its own namespace', given: inTeam('admin'), subject: { user: 'dev' }, request: { verb: 'delete', resource: 'namespaces', name: 'default' }, allowed: false },
  { name: 'cluster-admin bound by a RoleBinding is limited to that namespace', given: [ns('team'), roleBinding('team', 'ClusterRole', 'cluster-admin', user('lead'))], subject: { user: 'lead' }, request: { verb: 'list', resource: 'pods', namespace: 'kube-system' }, allowed: false },
  { name: 'cluster-admin bound by a RoleBinding includes the namespace object itself', given: [ns('team'), roleBinding('team', 'ClusterRole', 'cluster-admin', user('lead'))], subject: { user: 'lead' }, request: { verb: 'get', resource: 'namespaces', namespace: 'team', name: 'team' }, allowed: true },
  { name: 'a binding to a missing role grants nothing', given: [roleBinding('default', 'Role', 'ghost', user('jane'))], subject: { user: 'jane' }, request: { verb: 'get', resource: 'pods', namespace: 'default', name: 'p' }, allowed: false },
  { name: 'a RoleBinding cannot reference a Role of another namespace', given: [ns('other'), role('other', 'pod-reader', [rule([''], ['pods'], ['get'])]), roleBinding('default', 'Role', 'pod-reader', user('jane'))], subject: { user: 'jane' }, request: { verb: 'get', resource: 'pods', namespace: 'default', name: 'p' }, allowed: false },
];

/** The real request for a case, as kubectl/client-go would send it. */
function realRequest(r: Request): { method: string; path: string; body?: unknown; headers?: Record<string, string> } {
  if (r.path) return { method: r.verb.toUpperCase(), path: r.path };
  const base = `/${r.group ? `apis/${r.group}` : 'api'}/v1${r.namespace && r.resource !== 'namespaces' ? `/namespaces/${r.namespace}` : ''}/${r.resource}`;
  const named = `${base}/${r.name}${r.subresource ? `/${r.subresource}` : ''}`;
  const query = r.fieldSelector ? `?fieldSelector=${encodeURIComponent(r.fieldSelector)}` : '';
  switch (r.verb) {
    case 'get':
      return { method: 'GET', path: named };
    case 'list':
      return { method: 'GET', path: `${base}${query}` };
    case 'watch':
      return { method: 'GET', path: `${base}?watch=1&timeoutSeconds=1` };
    case 'create':
      return { method: 'POST', path: r.subresource ? named : base, body: { metadata: { name: 'rbac-probe' } } };
    case 'delete':
      return { method: 'DELETE', path: named };
    case 'deletecollection':
      return { method: 'DELETE', path: base };
    default:
      throw new Error(`no real request for verb ${r.verb}`);
  }
}

describe('RBAC decision table', () => {
  it('has at least 40 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const emu = await KubeEmulator.start();
    try {
      emu.apply(c.given);
      let creds: Credentials;
      if ('sa' in c.subject) {
        const [namespace, name] = c.subject.sa.split('/');
        creds = { token: await emu.serviceAccountToken(namespace, name) };
      } else creds = { cert: await emu.issueClientCert(c.subject.user, c.subject.groups ?? []) };

      const r = c.request;
      const spec = r.path
        ? { nonResourceAttributes: { path: r.path, verb: r.verb } }
        : { resourceAttributes: { verb: r.verb, group: r.group ?? '', resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name } };
      const review = await raw(emu, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        creds,
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec },
      });
      expect(review.status).toBe(201);
      expect(review.json<{ status: { allowed: boolean } }>().status.allowed).toBe(c.allowed);

      const real = realRequest(r);
      const answer = await raw(emu, real.method, real.path, { creds, body: real.body });
      expect(answer.status).not.toBe(401);
      expect(answer.status === 403).toBe(!c.allowed);
      const logged = emu.accessLog.find((e) => e.path === real.path.split('?')[0] && e.verb === r.verb);
      expect(logged?.decision).toBe(c.allowed ? 'allow' : 'deny');
    } finally {
      await emu.stop();
    }
  });
});
