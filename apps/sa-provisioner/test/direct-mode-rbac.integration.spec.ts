import { SaListV1 } from '@portcullis/contracts';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { waitFor, workspaceRoot } from '@portcullis/platform/testing';
import fs from 'node:fs';
import path from 'node:path';
import { canI, managedObjects } from './support/kube-access';
import { ProvisionerTestBed, TestCluster } from './support/provisioner-test-bed';

const IDLE_TIMEOUT_SECONDS = 2;
const JIT_NAMESPACE = 'portcullis-system';
const manifestDir = path.join(workspaceRoot, 'k8s', 'managed-cluster', 'direct');

/**
 * What an operator applies on a managed cluster in direct mode (k8s/managed-cluster/direct),
 * applied to the emulator; the provisioner then manages the cluster with nothing but a token of
 * that ServiceAccount. Every call it makes must be allowed, and nothing more.
 */
async function leastPrivilegeToken(emu: KubeEmulator): Promise<string> {
  for (const file of ['namespace.yaml', 'service-account.yaml', 'rbac.yaml']) emu.apply(fs.readFileSync(path.join(manifestDir, file), 'utf8'));
  // The emulator has no token controller to fill token-secret.yaml; a TokenRequest token of the
  // same ServiceAccount carries the same identity.
  return emu.serviceAccountToken(JIT_NAMESPACE, 'portcullis-provisioner', { expirationSeconds: 3_600 });
}

describe('direct mode with the least-privilege RBAC of k8s/managed-cluster/direct', () => {
  let bed: ProvisionerTestBed;
  let cluster: TestCluster;
  let managementToken: string;

  beforeAll(async () => {
    bed = await ProvisionerTestBed.start({ SA_SWEEP_INTERVAL_MS: '500' });
    cluster = await bed.addCluster('direct', IDLE_TIMEOUT_SECONDS, async (emu) => (managementToken = await leastPrivilegeToken(emu)));
  });

  afterAll(async () => {
    await bed?.stop();
  });

  it('provisions cluster-wide, namespaced and custom-role grants, then removes them at idle expiry', async () => {
    const user = bed.newUser(['developers']);
    const podReader = [{ apiGroups: [''], resources: ['pods'], resourceNames: [], nonResourceURLs: [], verbs: ['get', 'list', 'watch'] }];
    bed.policy.grant('group:developers', 'direct', { role: 'view' });
    bed.policy.grant(`user:${user.userId}`, 'direct', { role: 'edit', namespaces: ['team-a'] });
    bed.policy.grant(`user:${user.userId}`, 'direct', { role: 'pod-reader', rules: podReader, namespaces: ['team-b'] });

    const { token } = await bed.ensure(user, 'direct');

    expect(await canI(cluster.emu, token, 'list', 'pods', 'kube-system')).toBe(true);
    expect(await canI(cluster.emu, token, 'create', 'configmaps', 'team-a')).toBe(true);
    expect(await canI(cluster.emu, token, 'watch', 'pods', 'team-b')).toBe(true);
    const [record] = (await bed.requester.request(SaListV1, { cluster: 'direct', userId: user.userId })).serviceAccounts;
    expect(record.namespace).toBe(JIT_NAMESPACE);

    await waitFor(async () => {
      const objects = await managedObjects(cluster.emu);
      return !objects.serviceAccounts.includes(record.serviceAccount) && !objects.roleBindings.some((name) => name.includes(record.serviceAccount));
    }, 'the idle ServiceAccount and its bindings to be deleted with the least-privilege token', 10_000, 100);
  });

  it.each([
    { verb: 'get', resource: 'secrets', namespace: 'kube-system' },
    { verb: 'list', resource: 'secrets', namespace: JIT_NAMESPACE },
    { verb: 'create', resource: 'pods', namespace: 'team-a' },
    { verb: 'create', resource: 'serviceaccounts', namespace: 'team-a' },
    { verb: 'create', resource: 'namespaces' },
    { verb: 'delete', resource: 'namespaces' },
    { verb: 'list', resource: 'clusterroles' },
    { verb: 'delete', resource: 'clusterroles' },
    { verb: 'impersonate', resource: 'users' },
  ])('refuses the management token anything beyond the provisioner’s calls: $verb $resource $namespace', async ({ verb, resource, namespace }) => {
    expect(await canI(cluster.emu, managementToken, verb, resource, namespace)).toBe(false);
  });
});
