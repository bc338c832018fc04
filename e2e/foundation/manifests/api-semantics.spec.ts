import { ApiSemantics, ianaServiceNameProblem, quantityValue } from './support/api-semantics';
import type { RenderedObject } from './support/rendered-object';
import { containerStub, podSpecStub, renderingStub } from './support/workload.stub';

const dir = 'k8s/base/api';

/** The stub rendering with one object replaced by a changed copy. */
function changed(kind: string, change: (object: RenderedObject) => RenderedObject, namespace?: string): RenderedObject[] {
  return renderingStub(namespace).map((object) => (object.kind === kind ? change(structuredClone(object)) : object));
}

function withSpec(kind: string, spec: Record<string, unknown>): RenderedObject[] {
  return changed(kind, (object) => ({ ...object, spec: { ...object.spec, ...spec } }));
}

describe(ApiSemantics.name, () => {
  const sut = new ApiSemantics();

  it('accepts a rendering whose selectors select, whose ports exist by name and whose targets are rendered', () => {
    expect(sut.check(dir, renderingStub())).toEqual([]);
    expect(sut.check(dir, renderingStub('portcullis'))).toEqual([]);
  });

  describe('workloads', () => {
    it('need a selector that matches their pod template', () => {
      expect(sut.check(dir, withSpec('Deployment', { selector: { matchLabels: { app: 'other' } } }))).toContain('Deployment/api (k8s/base/api): spec.selector does not match spec.template.metadata.labels');
      expect(sut.check(dir, withSpec('Deployment', { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] } }))).toEqual([]);
      expect(sut.check(dir, withSpec('Deployment', { selector: {} }))).toContain('Deployment/api (k8s/base/api): spec.selector: an empty selector is invalid for a workload');
    });

    it('mount only declared volumes, name containers once, and probe ports their container names', () => {
      const spec = podSpecStub({ containers: [containerStub({ volumeMounts: [{ name: 'cache' }], livenessProbe: { httpGet: { port: 'metrics' } } }), containerStub()] });
      expect(sut.check(dir, renderingStub(undefined, spec))).toEqual([
        'Deployment/api (k8s/base/api): spec.template.spec.containers[0].livenessProbe: port metrics is not a named port of container api',
        'Deployment/api (k8s/base/api): spec.template.spec.containers[0].volumeMounts: volume cache is not declared in spec.template.spec.volumes',
        'Deployment/api (k8s/base/api): spec.template.spec.containers[1].name: container api is declared twice in the pod',
      ]);
    });

    it('request no more than their limits, probe liveness with one success, and use real port numbers', () => {
      const container = containerStub({
        ports: [{ name: 'http', containerPort: 70000 }],
        livenessProbe: { httpGet: { port: 'http' }, successThreshold: 2 },
        resources: { requests: { cpu: '1500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1000Mi' } },
      });
      expect(sut.check(dir, renderingStub(undefined, podSpecStub({ containers: [container] })))).toEqual([
        'Deployment/api (k8s/base/api): spec.template.spec.containers[0].ports[0].containerPort: 70000 is not between 1 and 65535',
        'Deployment/api (k8s/base/api): spec.template.spec.containers[0].livenessProbe.successThreshold: must be 1',
        'Deployment/api (k8s/base/api): spec.template.spec.containers[0].resources.requests.cpu: 1500m is more than the limit 1',
        'Deployment/api (k8s/base/api): spec.template.spec.containers[0].resources.requests.memory: 1Gi is more than the limit 1000Mi',
      ]);
    });

    it("count a StatefulSet's claim templates as volumes, and need a headless Service that selects its pods for more than one replica", () => {
      const statefulSet = (replicas: number, clusterIP?: string): RenderedObject[] => [
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'nats' },
          spec: {
            replicas,
            serviceName: 'nats',
            selector: { matchLabels: { app: 'nats' } },
            template: { metadata: { labels: { app: 'nats' } }, spec: { containers: [{ name: 'nats', ports: [{ name: 'client', containerPort: 4222 }], volumeMounts: [{ name: 'data' }] }] } },
            volumeClaimTemplates: [{ metadata: { name: 'data' } }],
          },
        },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nats' }, spec: { clusterIP, selector: { app: 'nats' }, ports: [{ name: 'client', port: 4222, targetPort: 'client' }] } },
      ];
      expect(sut.check(dir, statefulSet(3, 'None'))).toEqual([]);
      expect(sut.check(dir, statefulSet(1))).toEqual([]);
      expect(sut.check(dir, statefulSet(3))).toEqual(['StatefulSet/nats (k8s/base/api): spec.serviceName: Service nats is not headless (clusterIP: None), so the pods get no stable DNS names']);
    });

    it('restart their pods as their controller allows', () => {
      const job = (restartPolicy?: string): RenderedObject => ({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'sweep' },
        spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { restartPolicy, containers: [{ name: 'sweep' }] } } } } },
      });
      expect(sut.check(dir, [job('OnFailure')])).toEqual([]);
      expect(sut.check(dir, [job()])).toEqual(["CronJob/sweep (k8s/base/api): spec.jobTemplate.spec.template.spec.restartPolicy is unset (Always): a CronJob's pods must use Never or OnFailure"]);
      expect(sut.check(dir, renderingStub(undefined, podSpecStub({ restartPolicy: 'Never' })))).toEqual(["Deployment/api (k8s/base/api): spec.template.spec.restartPolicy is Never: a Deployment's pods must use Always"]);
    });

    it('run as a ServiceAccount rendered in their namespace', () => {
      const rendering = renderingStub('portcullis').filter((object) => object.kind !== 'ServiceAccount');
      expect(sut.check(dir, rendering)).toEqual(['Deployment/portcullis/api (k8s/base/api): spec.template.spec.serviceAccountName: ServiceAccount api is not rendered in this namespace']);
    });
  });

  describe('Services', () => {
    it('must select a rendered workload in their namespace', () => {
      expect(sut.check(dir, withSpec('Service', { selector: { app: 'apí' } }))).toEqual([
        'Service/api (k8s/base/api): spec.selector: label value apí of app is not a valid label value',
        'Service/api (k8s/base/api): spec.selector selects no rendered workload in this namespace',
      ]);
      const elsewhere = changed('Deployment', (object) => ({ ...object, metadata: { ...object.metadata, namespace: 'other' } }));
      expect(sut.check(dir, elsewhere)).toContain('Service/api (k8s/base/api): spec.selector selects no rendered workload in this namespace');
    });

    it('may have no selector, for endpoints written by hand', () => {
      expect(sut.check(dir, withSpec('Service', { selector: undefined }))).toEqual([]);
    });

    it('must target ports the selected pods name', () => {
      expect(sut.check(dir, withSpec('Service', { ports: [{ name: 'http', port: 80, targetPort: 'https' }] }))).toEqual([
        'Service/api (k8s/base/api): spec.ports[0].targetPort: https is not a named containerPort of the selected pods (Deployment/api)',
      ]);
    });

    it('must name every port when there are several, once each, and not repeat a port', () => {
      const ports = [
        { port: 80, targetPort: 8080 },
        { name: 'metrics', port: 80 },
        { name: 'metrics', port: 9090, targetPort: 'a-much-too-long-port-name' },
      ];
      expect(sut.check(dir, withSpec('Service', { ports }))).toEqual([
        'Service/api (k8s/base/api): spec.ports[0].name: required when a Service has more than one port',
        'Service/api (k8s/base/api): spec.ports[1]: 80/TCP is declared twice',
        'Service/api (k8s/base/api): spec.ports[2].name: metrics is declared twice',
        'Service/api (k8s/base/api): spec.ports[2].targetPort: port name a-much-too-long-port-name is longer than 15 characters',
        'Service/api (k8s/base/api): spec.ports[2].targetPort: a-much-too-long-port-name is not a named containerPort of the selected pods (Deployment/api)',
      ]);
    });
  });

  it('needs PodDisruptionBudgets to select a rendered workload, with one of minAvailable and maxUnavailable', () => {
    const pdb = (spec: Record<string, unknown>): RenderedObject => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api' }, spec });
    expect(sut.check(dir, [...renderingStub(), pdb({ maxUnavailable: 1, selector: { matchLabels: { app: 'api' } } })])).toEqual([]);
    expect(sut.check(dir, [...renderingStub(), pdb({ maxUnavailable: 1, minAvailable: 1, selector: { matchLabels: { app: 'apl' } } })])).toEqual([
      'PodDisruptionBudget/api (k8s/base/api): spec.selector selects no rendered workload',
      'PodDisruptionBudget/api (k8s/base/api): spec.minAvailable and spec.maxUnavailable are mutually exclusive',
    ]);
    expect(sut.check(dir, [...renderingStub(), pdb({ maxUnavailable: 1 })])).toEqual(['PodDisruptionBudget/api (k8s/base/api): spec.selector is unset, so it protects no pods']);
  });

  it('needs HorizontalPodAutoscalers to scale a rendered workload within a sane range', () => {
    const hpa = (name: string, minReplicas = 2): RenderedObject => ({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas, maxReplicas: 4 },
    });
    expect(sut.check(dir, [...renderingStub(), hpa('api')])).toEqual([]);
    expect(sut.check(dir, [...renderingStub(), hpa('apl', 5)])).toEqual([
      'HorizontalPodAutoscaler/api (k8s/base/api): spec.scaleTargetRef apps/v1 Deployment/apl is not rendered in this namespace',
      'HorizontalPodAutoscaler/api (k8s/base/api): spec.minReplicas is greater than spec.maxReplicas',
    ]);
  });

  it('needs NetworkPolicies to select rendered pods and admit ports they name', () => {
    const policy = (podSelector: Record<string, unknown>, port: string): RenderedObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'api' },
      spec: { podSelector, policyTypes: ['Ingress'], ingress: [{ ports: [{ port }] }] },
    });
    expect(sut.check(dir, [...renderingStub(), policy({ matchLabels: { app: 'api' } }, 'http')])).toEqual([]);
    expect(sut.check(dir, [...renderingStub(), policy({}, 'anything')])).toEqual([]);
    expect(sut.check(dir, [...renderingStub(), policy({ matchLabels: { app: 'api' } }, 'https')])).toEqual([
      'NetworkPolicy/api (k8s/base/api): spec.ingress[0].ports[0].port: https is not a named containerPort of the selected pods',
    ]);
    expect(sut.check(dir, [...renderingStub(), policy({ matchLabels: { app: 'apl' } }, 'http')])).toEqual(['NetworkPolicy/api (k8s/base/api): spec.podSelector selects no rendered workload in this namespace']);
  });

  it('needs Ingress backends to be rendered Services, by a port they have', () => {
    const ingress = (port: Record<string, unknown>, name = 'api'): RenderedObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'portal' },
      spec: { defaultBackend: { service: { name, port } }, rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port } } }] } }] },
    });
    expect(sut.check(dir, [...renderingStub(), ingress({ name: 'http' })])).toEqual([]);
    expect(sut.check(dir, [...renderingStub(), ingress({ number: 80 })])).toEqual([]);
    expect(sut.check(dir, [...renderingStub(), ingress({ number: 8080 })])).toEqual([
      'Ingress/portal (k8s/base/api): spec.defaultBackend: Service api has no port 8080',
      'Ingress/portal (k8s/base/api): spec.rules[0].http.paths[0].backend: Service api has no port 8080',
    ]);
    expect(sut.check(dir, [...renderingStub(), ingress({ name: 'http' }, 'portal')])).toContain('Ingress/portal (k8s/base/api): spec.defaultBackend: Service portal is not rendered in this namespace');
  });

  describe('names', () => {
    it.each([
      ['Deployment', 'a DNS-1123 subdomain', 'Portcullis_API'],
      ['ServiceAccount', 'a DNS-1123 subdomain', 'a'.repeat(254)],
      ['ConfigMap', 'a DNS-1123 subdomain', 'api-config-'],
      ['Service', 'a DNS-1035 label (it must start with a letter)', '1api'],
    ])('rejects a %s name that is not %s', (kind, rule, name) => {
      const problems = sut.check(dir, changed(kind, (object) => ({ ...object, metadata: { ...object.metadata, name } })));
      expect(problems).toContain(`${kind}/${name} (k8s/base/api): metadata.name ${name} is not ${rule}`);
    });

    it('rejects a namespace that is not a DNS-1123 label, and invalid label keys and values', () => {
      const rendering = changed('ConfigMap', (object) => ({ ...object, metadata: { name: 'api-config', namespace: 'team.api', labels: { 'example.com/-x': 'ok', tier: 'a'.repeat(64) } } }));
      expect(sut.check(dir, rendering)).toEqual([
        'ConfigMap/team.api/api-config (k8s/base/api): metadata.namespace team.api is not a DNS-1123 label',
        'ConfigMap/team.api/api-config (k8s/base/api): metadata.labels: label key example.com/-x is not a valid label name',
        `ConfigMap/team.api/api-config (k8s/base/api): metadata.labels: label value ${'a'.repeat(64)} of tier is not a valid label value`,
      ]);
    });

    it('rejects container port names the API server does not take', () => {
      const spec = podSpecStub({ containers: [containerStub({ ports: [{ name: 'http', containerPort: 8080 }, { name: 'http', containerPort: 8081 }, { name: 'Metrics', containerPort: 9090 }] })] });
      expect(sut.check(dir, renderingStub(undefined, spec))).toEqual([
        'Deployment/api (k8s/base/api): spec.template.spec.containers[0].ports[1].name: http is declared twice',
        'Deployment/api (k8s/base/api): spec.template.spec.containers[0].ports[2].name: port name Metrics is not an IANA service name',
      ]);
    });
  });
});

describe(ianaServiceNameProblem.name, () => {
  it.each(['http', 'data-plane', 'a1', 'fifteen-chars-x'])('accepts %s', (name) => {
    expect(ianaServiceNameProblem(name)).toBeUndefined();
  });

  it.each(['sixteen-chars-xx', '8080', '-http', 'http-', 'data--plane', 'Http', 'data_plane', ''])('rejects %s', (name) => {
    expect(ianaServiceNameProblem(name)).toBeDefined();
  });
});

describe(quantityValue.name, () => {
  it.each([
    ['500m', 0.5],
    ['384Mi', 384 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['2', 2],
    [2, 2],
    ['1e3', 1000],
    ['100k', 100_000],
  ])('reads %s as %d', (quantity, value) => {
    expect(quantityValue(quantity)).toBe(value);
  });

  it.each(['5h', 'Mi', '1.5 Gi'])('reads %s as no quantity', (quantity) => {
    expect(quantityValue(quantity)).toBeUndefined();
  });
});
