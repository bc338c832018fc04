import type { Container, PodSpec, RenderedObject } from './rendered-object';

/** A container every check accepts; tests break one thing in a copy. */
export function containerStub(overrides: Partial<Container> = {}): Container {
  return {
    name: 'api',
    image: 'portcullis/api:1.2.3',
    ports: [{ name: 'http', containerPort: 8080 }],
    envFrom: [{ configMapRef: { name: 'api-config' } }],
    env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'api-database', key: 'url' } } }],
    livenessProbe: { httpGet: { port: 'http' } },
    readinessProbe: { httpGet: { port: 'http' } },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    ...overrides,
  };
}

export function podSpecStub(overrides: Partial<PodSpec> = {}): PodSpec {
  return {
    serviceAccountName: 'api',
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    initContainers: [containerStub({ name: 'migrate', ports: undefined, livenessProbe: undefined, readinessProbe: undefined })],
    containers: [containerStub()],
    volumes: [{ name: 'tls', secret: { secretName: 'api-tls', items: [{ key: 'tls.crt', path: 'tls.crt' }] } }],
    ...overrides,
  };
}

export function deploymentStub(spec: PodSpec = podSpecStub(), namespace?: string): RenderedObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace, labels: { app: 'api' } },
    spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec } },
  };
}

/** The Deployment with everything it refers to: its ServiceAccount, ConfigMap, Secrets and Service. */
export function renderingStub(namespace?: string, spec?: PodSpec): RenderedObject[] {
  const metadata = (name: string) => ({ name, namespace });
  return [
    deploymentStub(spec, namespace),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata('api') },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('api-config'), data: { LOG_LEVEL: 'info' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: metadata('api-tls'), data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: metadata('api-database'), stringData: { url: 'postgres://db/api' } },
    { apiVersion: 'v1', kind: 'Service', metadata: metadata('api'), spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  ];
}
