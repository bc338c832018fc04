import type { OperatorProvided } from './support/operator-provided';
import type { Container, PodSpec, RenderedObject } from './support/rendered-object';
import { WorkloadPolicy } from './support/workload-policy';
import { containerStub, deploymentStub, podSpecStub, renderingStub } from './support/workload.stub';

const dir = 'k8s/base/api';
const nothingProvided: OperatorProvided = { secrets: new Map(), configMaps: new Map() };

describe(WorkloadPolicy.name, () => {
  const sut = new WorkloadPolicy(nothingProvided);
  const withContainer = (overrides: Partial<Container>) => renderingStub(undefined, podSpecStub({ containers: [containerStub(overrides)] }));
  const withPod = (overrides: Partial<PodSpec>) => renderingStub(undefined, podSpecStub(overrides));

  it('accepts a workload that meets every rule, with no CPU limit', () => {
    expect(sut.check(dir, renderingStub())).toEqual([]);
    expect(sut.check(dir, renderingStub('portcullis'))).toEqual([]);
  });

  it('holds CronJobs, StatefulSets and Pods to the same rules', () => {
    const spec = podSpecStub({ hostNetwork: true });
    const objects: RenderedObject[] = [
      ...renderingStub().slice(1),
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'sweep' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec } } } } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { template: { spec } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' }, spec: spec as Record<string, unknown> },
    ];
    expect(sut.check(dir, objects)).toEqual([
      "CronJob/sweep (k8s/base/api): hostNetwork: shares the node's network namespace",
      "StatefulSet/db (k8s/base/api): hostNetwork: shares the node's network namespace",
      "Pod/debug (k8s/base/api): hostNetwork: shares the node's network namespace",
    ]);
  });

  describe('the restricted Pod Security Standard', () => {
    it('needs runAsNonRoot on the pod or on every container, and no root user', () => {
      const pod = podSpecStub({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } });
      pod.containers = [containerStub({ securityContext: { ...containerStub().securityContext, runAsNonRoot: true } })];
      expect(sut.check(dir, renderingStub(undefined, pod))).toEqual(['Deployment/api (k8s/base/api) init container migrate: runAsNonRoot is unset (true on the pod or the container)']);
      expect(sut.check(dir, withContainer({ securityContext: { ...containerStub().securityContext, runAsNonRoot: false, runAsUser: 0 } }))).toEqual([
        'Deployment/api (k8s/base/api) container api: runAsNonRoot is false (true on the pod or the container)',
        'Deployment/api (k8s/base/api) container api: securityContext.runAsUser: 0 runs as root',
      ]);
    });

    it('needs a RuntimeDefault or Localhost seccomp profile', () => {
      expect(sut.check(dir, withPod({ securityContext: { runAsNonRoot: true } }))).toEqual([
        'Deployment/api (k8s/base/api) init container migrate: seccompProfile.type is unset (RuntimeDefault or Localhost, on the pod or the container)',
        'Deployment/api (k8s/base/api) container api: seccompProfile.type is unset (RuntimeDefault or Localhost, on the pod or the container)',
      ]);
      expect(sut.check(dir, withContainer({ securityContext: { ...containerStub().securityContext, seccompProfile: { type: 'Unconfined' } } }))).toEqual([
        'Deployment/api (k8s/base/api) container api: seccompProfile.type is Unconfined (RuntimeDefault or Localhost, on the pod or the container)',
      ]);
    });

    it('rejects privilege escalation, privileged containers, a writable root filesystem and kept or added capabilities', () => {
      const securityContext = { allowPrivilegeEscalation: true, privileged: true, readOnlyRootFilesystem: false, capabilities: { drop: ['NET_RAW'], add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] } };
      expect(sut.check(dir, withContainer({ securityContext }))).toEqual([
        'Deployment/api (k8s/base/api) container api: securityContext.allowPrivilegeEscalation must be false',
        'Deployment/api (k8s/base/api) container api: securityContext.privileged: true',
        'Deployment/api (k8s/base/api) container api: securityContext.readOnlyRootFilesystem must be true',
        'Deployment/api (k8s/base/api) container api: securityContext.capabilities.drop must include ALL',
        'Deployment/api (k8s/base/api) container api: securityContext.capabilities.add: SYS_ADMIN (only NET_BIND_SERVICE may be added)',
      ]);
    });

    it('checks init containers too', () => {
      const pod = podSpecStub();
      pod.initContainers = [containerStub({ name: 'migrate', livenessProbe: undefined, readinessProbe: undefined, securityContext: undefined })];
      expect(sut.check(dir, renderingStub(undefined, pod))).toEqual([
        'Deployment/api (k8s/base/api) init container migrate: securityContext.allowPrivilegeEscalation must be false',
        'Deployment/api (k8s/base/api) init container migrate: securityContext.readOnlyRootFilesystem must be true',
        'Deployment/api (k8s/base/api) init container migrate: securityContext.capabilities.drop must include ALL',
      ]);
    });

    it("rejects the node's namespaces, hostPath volumes and host ports", () => {
      const volumes = [...(podSpecStub().volumes ?? []), { name: 'docker', hostPath: { path: '/var/run/docker.sock' } }];
      const containers = [containerStub({ ports: [{ name: 'http', containerPort: 8080, hostPort: 80 }] })];
      expect(sut.check(dir, withPod({ hostPID: true, hostIPC: true, volumes, containers }))).toEqual([
        "Deployment/api (k8s/base/api): hostPID: shares the node's process namespace",
        "Deployment/api (k8s/base/api): hostIPC: shares the node's IPC namespace",
        'Deployment/api (k8s/base/api): volume docker: hostPath volumes are not allowed by the restricted Pod Security Standard',
        'Deployment/api (k8s/base/api) container api: port http: hostPort 80 binds on the node',
      ]);
    });
  });

  it('needs liveness and readiness probes on containers, not on init containers', () => {
    expect(sut.check(dir, withContainer({ livenessProbe: undefined, readinessProbe: undefined }))).toEqual([
      'Deployment/api (k8s/base/api) container api: no livenessProbe',
      'Deployment/api (k8s/base/api) container api: no readinessProbe',
    ]);
  });

  it('needs CPU and memory requests and a memory limit on every container, init containers included', () => {
    const pod = podSpecStub();
    pod.initContainers = [containerStub({ name: 'migrate', livenessProbe: undefined, readinessProbe: undefined, resources: { requests: { cpu: '50m' } } })];
    pod.containers = [containerStub({ resources: { limits: { cpu: '1' } } })];
    expect(sut.check(dir, renderingStub(undefined, pod))).toEqual([
      'Deployment/api (k8s/base/api) init container migrate: resources.requests.memory is not set',
      'Deployment/api (k8s/base/api) init container migrate: resources.limits.memory is not set',
      'Deployment/api (k8s/base/api) container api: resources.requests.cpu is not set',
      'Deployment/api (k8s/base/api) container api: resources.requests.memory is not set',
      'Deployment/api (k8s/base/api) container api: resources.limits.memory is not set',
    ]);
  });

  it.each([
    ['portcullis/api', 'image portcullis/api has no tag, so it runs whatever latest is'],
    ['portcullis/api:latest', 'image portcullis/api:latest is tagged latest'],
    ['registry.example.com:5000/portcullis/api', 'image registry.example.com:5000/portcullis/api has no tag, so it runs whatever latest is'],
    [undefined, 'no image'],
  ])('rejects the image %s', (image, reason) => {
    expect(sut.check(dir, withContainer({ image }))).toEqual([`Deployment/api (k8s/base/api) container api: ${reason}`]);
  });

  it.each(['registry.example.com:5000/portcullis/api:1.2.3', `portcullis/api@sha256:${'a'.repeat(64)}`, `portcullis/api:latest@sha256:${'b'.repeat(64)}`])(
    'accepts the pinned image %s',
    (image) => {
      expect(sut.check(dir, withContainer({ image }))).toEqual([]);
    },
  );

  describe('Secrets and ConfigMaps', () => {
    const withoutObject = (name: string) => renderingStub().filter((object) => object.metadata?.name !== name || object.kind === 'Deployment' || object.kind === 'ServiceAccount' || object.kind === 'Service');

    it('must be rendered, from env, envFrom and volumes', () => {
      expect(sut.check(dir, withoutObject('api-database'))).toEqual([
        'Deployment/api (k8s/base/api) init container migrate: env DATABASE_URL: Secret api-database is neither rendered nor listed in k8s/operator-provided.yaml',
        'Deployment/api (k8s/base/api) container api: env DATABASE_URL: Secret api-database is neither rendered nor listed in k8s/operator-provided.yaml',
      ]);
      expect(sut.check(dir, withoutObject('api-config'))).toEqual([
        'Deployment/api (k8s/base/api) init container migrate: envFrom[0]: ConfigMap api-config is neither rendered nor listed in k8s/operator-provided.yaml',
        'Deployment/api (k8s/base/api) container api: envFrom[0]: ConfigMap api-config is neither rendered nor listed in k8s/operator-provided.yaml',
      ]);
      expect(sut.check(dir, withoutObject('api-tls'))).toEqual(['Deployment/api (k8s/base/api): volume tls: Secret api-tls is neither rendered nor listed in k8s/operator-provided.yaml']);
    });

    it('may instead be listed in k8s/operator-provided.yaml, with the keys read', () => {
      const provided: OperatorProvided = { secrets: new Map([['api-database', ['url']]]), configMaps: new Map([['api-config', []]]) };
      const rendering = withoutObject('api-database').filter((object) => object.metadata?.name !== 'api-config');
      expect(new WorkloadPolicy(provided).check(dir, rendering)).toEqual([]);
      const withoutKey: OperatorProvided = { ...provided, secrets: new Map([['api-database', ['password']]]) };
      expect(new WorkloadPolicy(withoutKey).check(dir, rendering)).toContain('Deployment/api (k8s/base/api) container api: env DATABASE_URL: Secret api-database has no key url (listed with password)');
    });

    it('must hold the keys a reference reads', () => {
      const pod = podSpecStub({ volumes: [{ name: 'tls', secret: { secretName: 'api-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] });
      pod.containers = [containerStub({ env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'api-config', key: 'LOG-LEVEL' } } }] })];
      expect(sut.check(dir, renderingStub(undefined, pod))).toEqual([
        'Deployment/api (k8s/base/api) container api: env LEVEL: ConfigMap api-config has no key LOG-LEVEL (rendered with LOG_LEVEL)',
        'Deployment/api (k8s/base/api): volume tls: Secret api-tls has no key ca.crt (rendered with tls.crt, tls.key)',
      ]);
    });

    it('must be in the workload’s namespace', () => {
      const rendering = renderingStub('portcullis').map((object) => (object.metadata?.name === 'api-tls' ? { ...object, metadata: { ...object.metadata, namespace: 'other' } } : object));
      expect(sut.check(dir, rendering)).toEqual([
        'Deployment/portcullis/api (k8s/base/api): volume tls: Secret api-tls is neither rendered in namespace portcullis nor listed in k8s/operator-provided.yaml (it is rendered in namespace other)',
      ]);
    });

    it('are checked in projected volumes and imagePullSecrets, and may be missing when optional', () => {
      const volumes = [
        { name: 'bundle', projected: { sources: [{ secret: { name: 'bundle-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { configMap: { name: 'extra', optional: true } }] } },
        { name: 'maybe', secret: { secretName: 'maybe', optional: true } },
      ];
      expect(sut.check(dir, withPod({ volumes, imagePullSecrets: [{ name: 'registry' }] }))).toEqual([
        'Deployment/api (k8s/base/api): volume bundle: Secret bundle-ca is neither rendered nor listed in k8s/operator-provided.yaml',
        'Deployment/api (k8s/base/api): imagePullSecrets[0]: Secret registry is neither rendered nor listed in k8s/operator-provided.yaml',
      ]);
    });
  });

  it("needs an Ingress's TLS Secrets, with a certificate and key", () => {
    const ingress: RenderedObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'portal' }, spec: { tls: [{ secretName: 'api-tls' }, { secretName: 'portal-tls' }] } };
    const provided: OperatorProvided = { secrets: new Map([['portal-tls', ['tls.crt']]]), configMaps: new Map() };
    expect(new WorkloadPolicy(provided).check(dir, [...renderingStub(), ingress])).toEqual(['Ingress/portal (k8s/base/api): spec.tls[1]: Secret portal-tls has no key tls.key (listed with tls.crt)']);
    expect(sut.check(dir, [...renderingStub(), ingress])).toEqual(['Ingress/portal (k8s/base/api): spec.tls[1]: Secret portal-tls is neither rendered nor listed in k8s/operator-provided.yaml']);
  });

  it('passes objects that run no pods', () => {
    expect(sut.check(dir, [deploymentStub()].map((object) => ({ ...object, kind: 'ConfigMap', spec: undefined })))).toEqual([]);
  });
});
