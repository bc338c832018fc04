import { ManifestSchema, type SchemaProblem } from './support/manifest-schema';
import { containerStub, deploymentStub, podSpecStub, renderingStub } from './support/workload.stub';

const withMemory = (memory: string) => deploymentStub(podSpecStub({ containers: [containerStub({ resources: { requests: { cpu: '100m', memory }, limits: { memory: '1Gi' } } })] }));
const withoutSelector = () => {
  const deployment = deploymentStub();
  delete deployment.spec?.selector;
  return deployment;
};

// Every validate() starts a Node process for the compiled validators, so the tests' objects are
// declared here and validated in one batch.
const objects = {
  valid: [
    ...renderingStub('portcullis'),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'numeric' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'api', annotations: { 'example.com/any-key': 'any value' } },
      spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'api' } } },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
    deploymentStub(podSpecStub({ containers: [containerStub({ resources: { requests: { cpu: 1, memory: '1.5Gi' }, limits: { memory: '1e9', 'nvidia.com/gpu': '1' } } })] })),
  ],
  crd: {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: { kind: 'Widget', plural: 'widgets' },
      scope: 'Namespaced',
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, default: { anything: { goes: [1] } } } } },
      ],
    },
  },
  misspelled: deploymentStub(podSpecStub({ containers: [{ ...containerStub(), resoures: {} } as never] })),
  unknownFields: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', label: {} }, spec: { ports: [{ port: 80, nmae: 'http' }] }, extra: true },
  stringForInteger: { ...deploymentStub(), spec: { ...deploymentStub().spec, replicas: '2' } },
  withoutSelector: withoutSelector(),
  namelessContainer: deploymentStub(podSpecStub({ containers: [containerStub({ name: undefined as never })] })),
  outsideEnum: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { type: 'Loadbalancer', ports: [{ port: 80 }] } },
  neitherIntNorString: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { ports: [{ port: 80, targetPort: { name: 'http' } }] } },
  quantities: ['5h', '384MB', '1.5 Gi', 'abc', '1da'].map(withMemory),
  wrappedBase64: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' }, data: { url: 'cG9zdGdyZXM6Ly9w\nb3J0Y3VsbGlz\n' } },
  notBase64: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' }, data: { url: 'postgres://not base64' } },
};

describe(ManifestSchema.name, () => {
  const sut = new ManifestSchema();
  const results = new Map<unknown, SchemaProblem[]>();
  const problemsOf = (object: unknown) => results.get(object);

  beforeAll(() => {
    const all = Object.values(objects).flat();
    sut.validate(all).forEach((problems, index) => results.set(all[index], problems));
  });

  it('accepts valid objects, with quantities, int-or-string ports and free-form labels, annotations, data and resource maps', () => {
    expect(objects.valid.map(problemsOf)).toEqual(objects.valid.map(() => []));
  });

  it('leaves free-form values open: x-kubernetes-preserve-unknown-fields and JSON defaults', () => {
    expect(problemsOf(objects.crd)).toEqual([]);
  });

  it('rejects a misspelled field, naming its path', () => {
    expect(problemsOf(objects.misspelled)).toEqual([{ path: 'spec.template.spec.containers[0].resoures', message: 'unknown field' }]);
  });

  it('rejects unknown fields at the top, in metadata and inside list items', () => {
    expect(problemsOf(objects.unknownFields)).toEqual([
      { path: 'metadata.label', message: 'unknown field' },
      { path: 'spec.ports[0].nmae', message: 'unknown field' },
      { path: 'extra', message: 'unknown field' },
    ]);
  });

  it('rejects a string where an integer is expected', () => {
    expect(problemsOf(objects.stringForInteger)).toEqual([{ path: 'spec.replicas', message: 'must be integer' }]);
  });

  it('rejects a missing required field', () => {
    expect(problemsOf(objects.withoutSelector)).toEqual([{ path: 'spec.selector', message: 'required field missing' }]);
    expect(problemsOf(objects.namelessContainer)).toEqual([{ path: 'spec.template.spec.containers[0].name', message: 'required field missing' }]);
  });

  it('rejects a value outside an enum', () => {
    expect(problemsOf(objects.outsideEnum)).toEqual([{ path: 'spec.type', message: expect.stringMatching(/^must be equal to one of the allowed values: .*LoadBalancer/) }]);
  });

  it('rejects an int-or-string that is neither', () => {
    expect(problemsOf(objects.neitherIntNorString)).toEqual([{ path: 'spec.ports[0].targetPort', message: 'must be string or integer' }]);
  });

  it('rejects quantities Kubernetes does not parse', () => {
    expect(objects.quantities.map(problemsOf)).toEqual(
      ['5h', '384MB', '1.5 Gi', 'abc', '1da'].map((quantity) => [{ path: 'spec.template.spec.containers[0].resources.requests.memory', message: `"${quantity}" is not a quantity` }]),
    );
  });

  it('accepts base64 data wrapped over lines as kustomize writes it, and rejects what is not base64', () => {
    expect(problemsOf(objects.wrappedBase64)).toEqual([]);
    expect(problemsOf(objects.notBase64)).toEqual([{ path: 'data.url', message: 'must match format "byte"' }]);
  });

  it.each([
    ['policy/v1beta1', 'PodDisruptionBudget'],
    ['autoscaling/v2beta2', 'HorizontalPodAutoscaler'],
    ['extensions/v1beta1', 'Ingress'],
    ['batch/v1beta1', 'CronJob'],
  ])('rejects %s %s, which a current release does not serve', (apiVersion, kind) => {
    expect(sut.validate([{ apiVersion, kind, metadata: { name: 'api' } }])).toEqual([[{ path: 'apiVersion', message: expect.stringContaining('is not served by a current Kubernetes release') }]]);
  });

  it.each([
    ['apps/v1', 'Deploymnet'],
    ['apps/v1', 'DeploymentSpec'],
    ['v1', 'Deployment'],
    ['Apps/v1', 'Deployment'],
    ['example.com/v1', 'Widget'],
  ])('rejects %s %s, a kind Kubernetes does not have there', (apiVersion, kind) => {
    expect(sut.validate([{ apiVersion, kind, metadata: { name: 'api' } }])).toEqual([[{ path: 'kind', message: `${apiVersion} ${kind} is not a kind Kubernetes serves` }]]);
  });

  it('rejects an object without apiVersion or kind', () => {
    expect(sut.validate([{ kind: 'Service' }, { apiVersion: 'v1' }])).toEqual([[{ path: 'apiVersion', message: 'required field missing' }], [{ path: 'kind', message: 'required field missing' }]]);
  });
});
