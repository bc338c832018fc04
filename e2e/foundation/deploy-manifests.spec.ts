import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { workspaceRoot } from '@portcullis/platform/testing';

const services = ['identity', 'policy', 'kubeconfig-issuer', 'proxy', 'sa-provisioner', 'audit'];
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const describeWithKubectl = kubectl.status === 0 ? describe : describe.skip;
if (kubectl.status !== 0) console.warn('kubectl not found: skipping the kustomize rendering tests');

interface Container {
  name: string;
  command?: string[];
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  resources?: { limits?: { memory?: string } };
}

describeWithKubectl('k8s/base kustomizations', () => {
  it.each(services)('%s renders, probes /healthz and /readyz, migrates first and keeps the database URL in a Secret', (service) => {
    const rendered = spawnSync('kubectl', ['kustomize', path.join(workspaceRoot, 'k8s', 'base', service)], { encoding: 'utf8' });
    expect(rendered.stderr).toBe('');
    const objects = parseAllDocuments(rendered.stdout).map((doc) => doc.toJS() as { kind: string; spec?: { template: { spec: { initContainers: Container[]; containers: Container[] } } } });
    // The proxy also has an autoscaler and a second, internal Service: its relay.
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      ...(service === 'proxy' ? ['HorizontalPodAutoscaler'] : []),
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      ...(service === 'proxy' ? ['Service'] : []),
      'ServiceAccount',
    ]);

    const pod = objects.find((o) => o.kind === 'Deployment')?.spec?.template.spec;
    const [container] = pod?.containers ?? [];
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(pod?.initContainers[0].command).toEqual(['node', 'migrate.js']);
    if (service === 'proxy') {
      // The heap flags leave room for code and native memory under the container's limit.
      const nodeOptions = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
      const flag = (name: string) => Number(new RegExp(`--${name}=(\\d+)`).exec(nodeOptions)?.[1]);
      const limitMiB = Number(/^(\d+)Mi$/.exec(container.resources?.limits?.memory ?? '')?.[1]);
      expect(flag('max-old-space-size') + 3 * flag('max-semi-space-size') + 128).toBeLessThanOrEqual(limitMiB);
    }
    const databaseUrl = container.env?.find((e) => e.name === 'DATABASE_URL');
    expect(databaseUrl?.value).toBeUndefined();
    expect(databaseUrl?.valueFrom).toEqual({ secretKeyRef: { name: `portcullis-${service}-database`, key: 'url' } });
  });
});
