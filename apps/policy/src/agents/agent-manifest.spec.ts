import { workspaceRoot } from '@portcullis/platform/testing';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { AGENT_CLUSTER_RULES, AGENT_NAMESPACE_RULES, AgentManifestInput, renderAgentManifest } from './agent-manifest';

const baseDir = path.join(workspaceRoot, 'k8s', 'managed-cluster', 'agent');

// The placeholders of the kustomize base: rendering with them must give the base itself.
const placeholders: AgentManifestInput = {
  clusterName: 'my-cluster',
  tunnelUrl: 'https://portcullis.example.com:8444',
  tunnelCaPem: '-----BEGIN CERTIFICATE-----\nREPLACE WITH THE CA OF THE TUNNEL ENDPOINT, OR REMOVE THIS KEY AND AGENT_TUNNEL_CA_FILE\n-----END CERTIFICATE-----\n',
  bootstrapToken: 'REPLACE_WITH_THE_BOOTSTRAP_TOKEN',
  image: 'portcullis/cluster-agent:0.1.0',
};

function baseDocuments(): YAML.Document[] {
  const kustomization = YAML.parse(fs.readFileSync(path.join(baseDir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  return kustomization.resources.flatMap((file) => YAML.parseAllDocuments(fs.readFileSync(path.join(baseDir, file), 'utf8')) as YAML.Document[]);
}

function renderedDocuments(input: AgentManifestInput): YAML.Document[] {
  return YAML.parseAllDocuments(renderAgentManifest(input)) as YAML.Document[];
}

interface KubeObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Array<{ apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }>;
  stringData?: Record<string, string>;
  spec?: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } };
}

/** The comment above each rule (the first one is attached to the list itself by the parser). */
function ruleComments(doc: YAML.Document): string[] {
  const rules = doc.get('rules', true) as YAML.YAMLSeq;
  return rules.items.map((item, index) => ((item as YAML.Node).commentBefore ?? (index === 0 ? rules.commentBefore : null) ?? '').split('\n').map((line) => line.trim()).join('\n'));
}

function kindOf(doc: YAML.Document): string {
  return (doc.toJS() as KubeObject).kind;
}

describe(renderAgentManifest.name, () => {
  it('renders exactly the documents of the kustomize base in k8s/managed-cluster/agent, in the same order', () => {
    const sut = renderedDocuments(placeholders).map((doc) => doc.toJS() as KubeObject);

    const base = baseDocuments().map((doc) => doc.toJS() as KubeObject);
    expect(sut.map((doc) => `${doc.kind}/${doc.metadata.name}`)).toEqual([
      'Namespace/portcullis-system',
      'ServiceAccount/portcullis-agent',
      'ClusterRole/portcullis-agent',
      'ClusterRoleBinding/portcullis-agent',
      'Role/portcullis-agent',
      'RoleBinding/portcullis-agent',
      'Secret/portcullis-agent-bootstrap',
      'Deployment/portcullis-agent',
      'NetworkPolicy/portcullis-agent',
    ]);
    expect(sut).toEqual(base);
  });

  it('explains every RBAC rule with the same comment as the kustomize base', () => {
    const sut = renderedDocuments(placeholders).filter((doc) => ['ClusterRole', 'Role'].includes(kindOf(doc)));

    const base = baseDocuments().filter((doc) => ['ClusterRole', 'Role'].includes(kindOf(doc)));
    expect(sut.map(ruleComments)).toEqual(base.map(ruleComments));
    expect(sut.map(ruleComments)).toEqual([AGENT_CLUSTER_RULES, AGENT_NAMESPACE_RULES].map((rules) => rules.map((rule) => rule.why)));
  });

  it('grants nothing on "*", and narrows by name where the verb allows it', () => {
    const rules = [...AGENT_CLUSTER_RULES, ...AGENT_NAMESPACE_RULES].map((explained) => explained.rule);

    for (const rule of rules) expect(JSON.stringify(rule)).not.toContain('*');
    expect(rules.find((rule) => rule.resources.includes('namespaces'))).toEqual({ apiGroups: [''], resources: ['namespaces'], resourceNames: ['portcullis-system'], verbs: ['get'] });
    expect(rules.filter((rule) => rule.resources.includes('secrets'))).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['portcullis-agent-identity'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
  });

  it('fills in the cluster, the tunnel, the token and the image, and leaves the tunnel CA out when there is none', () => {
    const input = { ...placeholders, clusterName: 'prod-eu', tunnelUrl: 'https://tunnel.example.com', tunnelCaPem: null, bootstrapToken: 'pcb_secret', image: 'registry.example.com/agent:1.2.3' };

    const sut = renderedDocuments(input).map((doc) => doc.toJS() as KubeObject);

    const secret = sut.find((doc) => doc.kind === 'Secret');
    const deployment = sut.find((doc) => doc.kind === 'Deployment');
    expect(secret?.stringData).toEqual({ 'bootstrap-token': 'pcb_secret' });
    const container = deployment?.spec?.template.spec.containers[0] as { image: string; env: Array<{ name: string; value?: string }> };
    expect(container.image).toBe('registry.example.com/agent:1.2.3');
    expect(Object.fromEntries(container.env.map((variable) => [variable.name, variable.value ?? 'from the pod']))).toEqual({
      AGENT_CLUSTER_NAME: 'prod-eu',
      AGENT_TUNNEL_URL: 'https://tunnel.example.com',
      AGENT_BOOTSTRAP_TOKEN_FILE: '/etc/portcullis/bootstrap/bootstrap-token',
      AGENT_NAMESPACE: 'from the pod',
      AGENT_IDENTITY_SECRET: 'portcullis-agent-identity',
      HTTP_HOST: '0.0.0.0',
      HTTP_PORT: '3007',
    });
  });

  it('lets the agent accept no connection and open only DNS, its API server and the tunnel endpoint', () => {
    const policyFor = (tunnelUrl: string) =>
      renderedDocuments({ ...placeholders, tunnelUrl }).map((doc) => doc.toJS() as KubeObject & { spec: { ingress: unknown[]; egress: Array<{ ports: Array<{ port: number }> }> } }).find((doc) => doc.kind === 'NetworkPolicy');

    const sut = policyFor('https://tunnel.example.com:9443');

    expect(sut?.spec.ingress).toEqual([]);
    expect(sut?.spec.egress.flatMap((rule) => rule.ports.map((p) => p.port))).toEqual([53, 53, 443, 6443, 9443]);
    expect(policyFor('https://tunnel.example.com')?.spec.egress.at(-1)).toEqual({ ports: [{ protocol: 'TCP', port: 443 }] });
  });

  it('says at the top what it is, for which cluster, and until when its token works', () => {
    const sut = renderAgentManifest({ ...placeholders, bootstrapTokenExpiresAt: new Date('2030-01-02T03:04:05.000Z') });

    expect(sut.split('\n').slice(0, 3)).toEqual([
      '# Portcullis cluster agent for cluster "my-cluster".',
      '# Apply on that cluster: kubectl apply -f <this file>',
      '# It holds a one-time bootstrap token, valid until 2030-01-02T03:04:05.000Z: keep this file secret.',
    ]);
    expect(sut.split(placeholders.bootstrapToken)).toHaveLength(2);
  });
});
