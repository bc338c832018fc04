import { KubeConfig } from '@kubernetes/client-node';
import { EffectiveAccessEntry } from '@portcullis/contracts';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { buildKubeconfigDocument, clusterContexts, KubeconfigDocumentInput, kubeconfigUserName } from './kubeconfig-document';

function entry(cluster: string, namespaces: string[] = [], role = 'view'): EffectiveAccessEntry {
  return {
    grantId: randomUUID(),
    cluster: { id: randomUUID(), name: cluster, displayName: cluster.toUpperCase() },
    role: { name: role, builtIn: true, rules: [] },
    namespaces,
  };
}

const kubectlAvailable = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe(clusterContexts.name, () => {
  it('makes one context per cluster, sorted by name, however many grants reach it', () => {
    const sut = clusterContexts([entry('staging'), entry('dev'), entry('staging', [], 'edit'), entry('prod-eu')]);

    expect(sut.map((context) => context.cluster)).toEqual(['dev', 'prod-eu', 'staging']);
  });

  it('sets the namespace only when every grant on the cluster is limited to that same single namespace', () => {
    const sut = clusterContexts([
      entry('one-grant', ['team-a']),
      entry('two-grants-same', ['team-a']),
      entry('two-grants-same', ['team-a'], 'edit'),
      entry('two-grants-different', ['team-a']),
      entry('two-grants-different', ['team-b']),
      entry('one-of-them-cluster-wide', ['team-a']),
      entry('one-of-them-cluster-wide', []),
      entry('several-namespaces', ['team-a', 'team-b']),
      entry('cluster-wide', []),
    ]);

    expect(sut).toEqual([
      { cluster: 'cluster-wide' },
      { cluster: 'one-grant', namespace: 'team-a' },
      { cluster: 'one-of-them-cluster-wide' },
      { cluster: 'several-namespaces' },
      { cluster: 'two-grants-different' },
      { cluster: 'two-grants-same', namespace: 'team-a' },
    ]);
  });
});

describe(kubeconfigUserName.name, () => {
  it('derives a readable name from the email, else from the user id', () => {
    expect(kubeconfigUserName('0b6f3c1e', 'Alice.Smith@Example.com')).toBe('portcullis-alice-smith-example-com');
    expect(kubeconfigUserName('auth0|5f7c8ec7', null)).toBe('portcullis-auth0-5f7c8ec7');
    expect(kubeconfigUserName('ÄÖÜ', null)).toBe('portcullis-user');
    expect(kubeconfigUserName('x'.repeat(200), null)).toHaveLength('portcullis-'.length + 53);
  });
});

describe(buildKubeconfigDocument.name, () => {
  const proxyCaPem = '-----BEGIN CERTIFICATE-----\nUFJPWFkgQ0E=\n-----END CERTIFICATE-----\n';
  const clientCertificatePem = '-----BEGIN CERTIFICATE-----\nQ0xJRU5U\n-----END CERTIFICATE-----\n';
  const clientKeyPem = '-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n';
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  function input(overrides: Partial<KubeconfigDocumentInput> = {}): KubeconfigDocumentInput {
    return {
      kubeconfigId: randomUUID(),
      userId: 'user-1',
      email: 'alice@example.com',
      expiresAt: new Date('2030-01-01T00:00:00Z'),
      proxyUrl: 'https://127.0.0.1:8443/',
      proxyCaPem,
      clientCertificatePem,
      clientKeyPem,
      contexts: [{ cluster: 'dev', namespace: 'team-a' }, { cluster: 'prod' }],
      ...overrides,
    };
  }

  it('points every cluster at the proxy with its CA, names contexts after clusters and starts in the first', () => {
    const sut = parse(buildKubeconfigDocument(input()));

    expect(sut).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'dev', cluster: { server: 'https://127.0.0.1:8443/clusters/dev', 'certificate-authority-data': b64(proxyCaPem) } },
        { name: 'prod', cluster: { server: 'https://127.0.0.1:8443/clusters/prod', 'certificate-authority-data': b64(proxyCaPem) } },
      ],
      contexts: [
        { name: 'dev', context: { cluster: 'dev', user: 'portcullis-alice-example-com', namespace: 'team-a' } },
        { name: 'prod', context: { cluster: 'prod', user: 'portcullis-alice-example-com' } },
      ],
      'current-context': 'dev',
      users: [{ name: 'portcullis-alice-example-com', user: { 'client-certificate-data': b64(clientCertificatePem), 'client-key-data': b64(clientKeyPem) } }],
    });
  });

  it('says in a comment which kubeconfig it is and until when it is valid', () => {
    const kubeconfigId = randomUUID();

    const sut = buildKubeconfigDocument(input({ kubeconfigId }));

    expect(sut.split('\n')[0]).toBe(`# Portcullis kubeconfig ${kubeconfigId} for alice@example.com, valid until 2030-01-01T00:00:00.000Z.`);
  });

  it('keeps a proxy URL path prefix', () => {
    const sut = parse(buildKubeconfigDocument(input({ proxyUrl: 'https://gw.example.com/portcullis' })));

    expect(sut.clusters[0].cluster.server).toBe('https://gw.example.com/portcullis/clusters/dev');
  });

  it('refuses to build a kubeconfig without contexts', () => {
    expect(() => buildKubeconfigDocument(input({ contexts: [] }))).toThrow('a kubeconfig needs at least one context');
  });

  it('loads with @kubernetes/client-node, which lists the contexts and resolves the credential', () => {
    const sut = new KubeConfig();

    sut.loadFromString(buildKubeconfigDocument(input()));

    expect(sut.getContexts().map((context) => [context.name, context.namespace])).toEqual([
      ['dev', 'team-a'],
      ['prod', undefined],
    ]);
    expect(sut.getCurrentContext()).toBe('dev');
    expect(sut.getCurrentCluster()?.server).toBe('https://127.0.0.1:8443/clusters/dev');
    expect(sut.getCurrentCluster()?.caData).toBe(b64(proxyCaPem));
    expect(sut.getCurrentUser()?.certData).toBe(b64(clientCertificatePem));
    expect(sut.getCurrentUser()?.keyData).toBe(b64(clientKeyPem));
  });

  const kubectlCheck = 'is read by `kubectl config view`, even with cluster names YAML 1.1 takes for booleans';
  (kubectlAvailable ? it : it.skip)(kubectlAvailable ? kubectlCheck : `${kubectlCheck} (skipped: kubectl is not on the PATH)`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kci-kubectl-'));
    const file = path.join(dir, 'kubeconfig');
    fs.writeFileSync(file, buildKubeconfigDocument(input({ contexts: [{ cluster: 'on' }, { cluster: 'prod', namespace: 'yes' }, { cluster: '007' }] })), {
      mode: 0o600,
    });
    try {
      const view = spawnSync('kubectl', ['config', 'view', '--kubeconfig', file, '--raw', '-o', 'json'], { encoding: 'utf8' });
      expect(view.stderr).toBe('');
      const sut = JSON.parse(view.stdout) as {
        'current-context': string;
        contexts: Array<{ name: string; context: { cluster: string; namespace?: string } }>;
        users: Array<{ user: Record<string, string> }>;
      };
      expect(sut['current-context']).toBe('on');
      expect(sut.contexts.map((context) => [context.name, context.context.cluster, context.context.namespace])).toEqual([
        ['007', '007', undefined],
        ['on', 'on', undefined],
        ['prod', 'prod', 'yes'],
      ]);
      expect(sut.users[0].user['client-key-data']).toBe(b64(clientKeyPem));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
