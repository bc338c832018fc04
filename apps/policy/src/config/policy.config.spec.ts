import { ensureDevPki } from '@portcullis/dev-pki';
import { ConfigError, redactConfig } from '@portcullis/platform/config';
import { workspaceRoot } from '@portcullis/platform/testing';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPolicyConfig } from './policy.config';

const env = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/portcullis',
  NATS_URL: 'nats://127.0.0.1:4222',
  PLATFORM_JWT_ISSUER: 'http://127.0.0.1:3001',
  IDENTITY_JWKS_URL: 'http://127.0.0.1:3001/.well-known/jwks.json',
  CLUSTER_CREDENTIAL_KEY: randomBytes(32).toString('base64'),
};

describe(loadPolicyConfig.name, () => {
  it('applies the defaults of the admin API and the cluster probe', () => {
    const sut = loadPolicyConfig(env);

    expect(sut).toMatchObject({ HTTP_PORT: 3002, GRAPHQL_INTROSPECTION: true, GRAPHQL_MAX_DEPTH: 8, GRAPHQL_MAX_COMPLEXITY: 1000, CLUSTER_PROBE_TIMEOUT_MS: 5000 });
  });

  it('never logs the credential key', () => {
    expect(redactConfig(loadPolicyConfig(env))['CLUSTER_CREDENTIAL_KEY']).toBe('[redacted]');
  });

  it.each([['short'], [randomBytes(16).toString('base64')], [randomBytes(33).toString('base64')], ['!'.repeat(43) + '=']])('refuses a credential key that is not 32 bytes of base64 (%s), without echoing it', (key) => {
    const attempt = () => loadPolicyConfig({ ...env, CLUSTER_CREDENTIAL_KEY: key });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('CLUSTER_CREDENTIAL_KEY is invalid, expects base64 of 32 random bytes (openssl rand -base64 32)');
    expect(attempt).not.toThrow(key);
  });

  it('names every missing variable the admin API needs', () => {
    expect(() => loadPolicyConfig({ DATABASE_URL: env.DATABASE_URL, NATS_URL: env.NATS_URL })).toThrow(
      /PLATFORM_JWT_ISSUER is required.*IDENTITY_JWKS_URL is required.*CLUSTER_CREDENTIAL_KEY is required/,
    );
  });

  describe('agent mode', () => {
    let dir: string;
    let agent: Record<string, string>;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-config-'));
      const pki = await ensureDevPki(dir);
      agent = { AGENT_CA_CERT_FILE: pki.agentCaCertFile, AGENT_CA_KEY_FILE: pki.agentCaKeyFile, AGENT_TUNNEL_URL: 'https://127.0.0.1:8444', AGENT_TUNNEL_CA_FILE: pki.proxyCaCertFile };
    });

    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('is off without its variables, and its defaults are a pinned image, 30-day certificates and one-hour tokens', () => {
      const sut = loadPolicyConfig(env);

      expect(sut).toMatchObject({ AGENT_CA_CERT_FILE: undefined, AGENT_TUNNEL_URL: undefined, AGENT_IMAGE: 'portcullis/cluster-agent:0.1.0', AGENT_CERTIFICATE_VALIDITY_DAYS: 30, AGENT_BOOTSTRAP_TOKEN_TTL_SECONDS: 3600 });
    });

    it("defaults to the agent image of this release (the workspace's version)", () => {
      const { version } = JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'package.json'), 'utf8')) as { version: string };

      expect(loadPolicyConfig(env).AGENT_IMAGE).toBe(`portcullis/cluster-agent:${version}`);
    });

    it('takes the agent CA, the tunnel URL and the tunnel CA, and never logs where the CA key is', () => {
      const sut = loadPolicyConfig({ ...env, ...agent });

      expect(sut).toMatchObject(agent);
      expect(redactConfig(sut)['AGENT_CA_KEY_FILE']).toBe('[redacted]');
    });

    it('names the missing ones when only some of the agent CA and tunnel URL are set', () => {
      expect(() => loadPolicyConfig({ ...env, AGENT_TUNNEL_URL: agent.AGENT_TUNNEL_URL })).toThrow(
        /AGENT_CA_CERT_FILE is required when any of .* is set.*AGENT_CA_KEY_FILE is required when any of/,
      );
    });

    it('refuses a CA key that does not belong to the CA certificate', () => {
      expect(() => loadPolicyConfig({ ...env, ...agent, AGENT_CA_KEY_FILE: path.join(dir, 'kubeconfig-ca.key') })).toThrow('AGENT_CA_KEY_FILE is invalid, expects the private key of the certificate in AGENT_CA_CERT_FILE');
    });

    it.each(['http://127.0.0.1:8444', 'https://127.0.0.1:8444/tunnel', 'https://user:pw@127.0.0.1:8444', 'https://127.0.0.1:8444?x=1'])('refuses a tunnel URL the agent would refuse (%s)', (url) => {
      expect(() => loadPolicyConfig({ ...env, ...agent, AGENT_TUNNEL_URL: url })).toThrow(/AGENT_TUNNEL_URL is invalid, expects the https:\/\/host\[:port\] URL of the proxy's tunnel endpoint/);
    });

    it.each(['portcullis/cluster-agent', 'portcullis/cluster-agent:latest', 'registry.example.com:5000/cluster-agent:latest', 'Portcullis/Agent:1', 'agent@sha256:abc'])('refuses an image that is not pinned (%s)', (image) => {
      expect(() => loadPolicyConfig({ ...env, AGENT_IMAGE: image })).toThrow(/AGENT_IMAGE is invalid, expects a container image reference with a version tag/);
    });

    it.each(['registry.example.com:5000/portcullis/cluster-agent:1.2.3', `ghcr.io/acme/agent@sha256:${'a'.repeat(64)}`, 'localhost/agent:dev-1'])('accepts a pinned image (%s)', (image) => {
      expect(loadPolicyConfig({ ...env, AGENT_IMAGE: image }).AGENT_IMAGE).toBe(image);
    });
  });
});
