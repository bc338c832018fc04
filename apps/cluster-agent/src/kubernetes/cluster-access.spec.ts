import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ClusterAccess } from './cluster-access';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe(ClusterAccess.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-access-'));
  });

  afterEach(() => {
    jest.useRealTimers();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A kubeconfig whose user reads a token file, as the in-cluster configuration does. */
  function writeKubeconfig(server: string, tokenFile: string): string {
    const file = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': Buffer.from(CA_PEM).toString('base64') } }],
        users: [{ name: 'agent', user: { 'auth-provider': { name: 'tokenFile', config: { tokenFile } } } }],
        contexts: [{ name: 'agent', context: { cluster: 'c', user: 'agent' } }],
        'current-context': 'agent',
      }),
    );
    return file;
  }

  it('reads the API server endpoint, keeping a base path', async () => {
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'token-one');

    const sut = await ClusterAccess.load(writeKubeconfig('https://api.example.com:6443/k8s/clusters/c-1/', tokenFile));

    expect(sut.apiServer).toEqual({
      url: 'https://api.example.com:6443/k8s/clusters/c-1',
      origin: 'https://api.example.com:6443',
      authority: 'api.example.com:6443',
      hostname: 'api.example.com',
      port: 6443,
      basePath: '/k8s/clusters/c-1',
    });
    expect(sut.connection('person').tls).toMatchObject({ host: 'api.example.com', port: 6443, servername: 'api.example.com', ca: Buffer.from(CA_PEM) });
  });

  it('picks up a rotated ServiceAccount token on refresh', async () => {
    jest.useFakeTimers({ now: new Date('2026-03-01T00:00:00Z'), doNotFake: ['setImmediate', 'nextTick'] });
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'token-one');
    const sut = await ClusterAccess.load(writeKubeconfig('https://10.96.0.1:443', tokenFile));
    expect(sut.selfAuthorization).toBe('Bearer token-one');

    fs.writeFileSync(tokenFile, 'token-two');
    jest.setSystemTime(new Date('2026-03-01T00:01:01Z'));
    await sut.refresh();

    expect(sut.selfAuthorization).toBe('Bearer token-two');
  });

  it('refuses an API server that is not https', async () => {
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 't');

    await expect(ClusterAccess.load(writeKubeconfig('http://10.96.0.1:8080', tokenFile))).rejects.toThrow('the API server http://10.96.0.1:8080 is not https');
  });

  it("puts the agent's client certificate only on `self` connections, never on people's", async () => {
    const file = path.join(dir, 'kubeconfig-with-certificate');
    fs.writeFileSync(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://10.96.0.1:443', 'certificate-authority-data': Buffer.from(CA_PEM).toString('base64') } }],
        users: [{ name: 'agent', user: { 'client-certificate-data': Buffer.from('agent-cert').toString('base64'), 'client-key-data': Buffer.from('agent-key').toString('base64') } }],
        contexts: [{ name: 'agent', context: { cluster: 'c', user: 'agent' } }],
        'current-context': 'agent',
      }),
    );

    const sut = await ClusterAccess.load(file);

    expect(sut.connection('person').tls).not.toHaveProperty('cert');
    expect(sut.connection('person').tls).not.toHaveProperty('key');
    expect(sut.connection('self').tls).toMatchObject({ cert: Buffer.from('agent-cert'), key: Buffer.from('agent-key') });
    expect(sut.connection('self').poolKey).not.toBe(sut.connection('person').poolKey);
    expect(sut.selfAuthorization).toBeUndefined();
  });
});
