import { DevPki, ensureDevPki } from '@portcullis/dev-pki';
import { exportJWK, generateKeyPair } from 'jose';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Secrets a local Portcullis needs, made once under a directory and reused on later runs. */
export interface DevSecrets {
  pki: DevPki;
  /** identity's platform JWT signing keys (ES256 JWK array). */
  signingKeysFile: string;
  /** policy's key for cluster credentials at rest (base64 of 32 bytes). */
  clusterCredentialKey: string;
}

export async function ensureDevSecrets(dir: string): Promise<DevSecrets> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pki = await ensureDevPki(path.join(dir, 'pki'));
  const signingKeysFile = path.join(dir, 'platform-jwt-keys.json');
  if (!fs.existsSync(signingKeysFile)) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: `dev-${randomBytes(4).toString('hex')}`, alg: 'ES256' };
    fs.writeFileSync(signingKeysFile, JSON.stringify([jwk], null, 2), { mode: 0o600 });
  }
  const credentialKeyFile = path.join(dir, 'cluster-credential.key');
  if (!fs.existsSync(credentialKeyFile)) fs.writeFileSync(credentialKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  return { pki, signingKeysFile, clusterCredentialKey: fs.readFileSync(credentialKeyFile, 'utf8').trim() };
}

export interface DevEndpoints {
  databaseUrl: string;
  natsUrl: string;
  identityUrl: string;
  idpIssuer: string;
  idpClientId: string;
  idpClientSecret: string;
  proxyPublicUrl: string;
}

/**
 * The port of the local proxy's tunnel endpoint, which cluster agents dial (agent mode): one
 * above the data plane's, as in the proxy's own defaults (8443 and 8444). A function rather than
 * a constant because the data plane's port is chosen per run.
 */
export function proxyTunnelPort(endpoints: Pick<DevEndpoints, 'proxyPublicUrl'>): number {
  return Number(new URL(endpoints.proxyPublicUrl).port || 443) + 1;
}

/** The local proxy's internal relay (provisioner → agent-mode clusters, replica → replica): two above the data plane. */
export function proxyRelayPort(endpoints: Pick<DevEndpoints, 'proxyPublicUrl'>): number {
  return Number(new URL(endpoints.proxyPublicUrl).port || 443) + 2;
}

/** Each service's variables for a local run; ports and schemas are the caller's. */
export function devServiceEnvironment(service: string, secrets: DevSecrets, endpoints: DevEndpoints): Record<string, string> {
  const common = { DATABASE_URL: endpoints.databaseUrl, NATS_URL: endpoints.natsUrl };
  const platformToken = { PLATFORM_JWT_ISSUER: endpoints.identityUrl, IDENTITY_JWKS_URL: `${endpoints.identityUrl}/.well-known/jwks.json` };
  switch (service) {
    case 'identity':
      return {
        ...common,
        PUBLIC_URL: endpoints.identityUrl,
        OIDC_ISSUER_URL: endpoints.idpIssuer,
        OIDC_CLIENT_ID: endpoints.idpClientId,
        OIDC_CLIENT_SECRET: endpoints.idpClientSecret,
        OIDC_REDIRECT_URL: `${endpoints.identityUrl}/auth/callback`,
        PLATFORM_JWT_SIGNING_KEYS_FILE: secrets.signingKeysFile,
      };
    case 'policy':
      return {
        ...common,
        ...platformToken,
        CLUSTER_CREDENTIAL_KEY: secrets.clusterCredentialKey,
        AGENT_CA_CERT_FILE: secrets.pki.agentCaCertFile,
        AGENT_CA_KEY_FILE: secrets.pki.agentCaKeyFile,
        AGENT_TUNNEL_URL: `https://127.0.0.1:${proxyTunnelPort(endpoints)}`,
        // The tunnel endpoint serves the proxy's development certificate.
        AGENT_TUNNEL_CA_FILE: secrets.pki.proxyCaCertFile,
      };
    case 'kubeconfig-issuer':
      return {
        ...common,
        KUBECONFIG_CA_CERT_FILE: secrets.pki.kubeconfigCaCertFile,
        KUBECONFIG_CA_KEY_FILE: secrets.pki.kubeconfigCaKeyFile,
        PROXY_PUBLIC_URL: endpoints.proxyPublicUrl,
        PROXY_CA_CERT_FILE: secrets.pki.proxyCaCertFile,
      };
    case 'proxy':
      return {
        ...common,
        PROXY_LISTEN_PORT: new URL(endpoints.proxyPublicUrl).port,
        PROXY_TLS_CERT_FILE: secrets.pki.proxyCertFile,
        PROXY_TLS_KEY_FILE: secrets.pki.proxyKeyFile,
        KUBECONFIG_CA_CERT_FILE: secrets.pki.kubeconfigCaCertFile,
        PROXY_TUNNEL_LISTEN_PORT: String(proxyTunnelPort(endpoints)),
        AGENT_CA_CERT_FILE: secrets.pki.agentCaCertFile,
        PROXY_RELAY_LISTEN_PORT: String(proxyRelayPort(endpoints)),
        SERVICE_CA_CERT_FILE: secrets.pki.serviceCaCertFile,
        SERVICE_CERT_FILE: secrets.pki.proxyServiceCertFile,
        SERVICE_KEY_FILE: secrets.pki.proxyServiceKeyFile,
      };
    case 'sa-provisioner':
      return {
        ...common,
        PROXY_RELAY_URL: `https://127.0.0.1:${proxyRelayPort(endpoints)}`,
        PROXY_RELAY_CA_FILE: secrets.pki.serviceCaCertFile,
        SERVICE_CLIENT_CERT_FILE: secrets.pki.provisionerServiceCertFile,
        SERVICE_CLIENT_KEY_FILE: secrets.pki.provisionerServiceKeyFile,
      };
    case 'audit':
      return { ...common, ...platformToken };
    default:
      return common;
  }
}
