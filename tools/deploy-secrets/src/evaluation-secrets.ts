/*
 * The Secrets of the evaluation overlay, one file per key under its secrets/ directory
 * (k8s/overlays/evaluation/kustomization.yaml's secretGenerator).
 * - Fills: every file that holds its placeholder (or is missing), with fresh material, or with
 *   what the operator gave (the OIDC client secret, their own proxy certificate).
 * - Keeps: every file that holds a value, unless forced. Above all the CAs: a new kubeconfig CA
 *   voids every issued kubeconfig, a new agent CA every registered agent.
 * - Never keeps: the keys of the proxy CA and the service CA. Nothing in the cluster uses them, so
 *   they are dropped once their certificates are issued; a key that is not stored cannot leak. A
 *   new serving or service certificate therefore comes with a new CA.
 * - Refuses, before writing anything: a set that would not work together (a database URL with
 *   another password, a public CA copy that is not the CA, a certificate its CA did not sign, half
 *   of a key pair, a value the operator gave that differs from the one already there).
 */
import { createCertificateAuthority, issueCertificate } from '@portcullis/dev-pki';
import { createPrivateKey, generateKeyPairSync, KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { SecretFile, SecretTree } from './secret-tree';

export const DEFAULT_PROXY_HOST = 'kube.portcullis.example.com';
export const DEFAULT_NAMESPACE = 'portcullis';

export interface EvaluationSecretsOptions {
  /** Replace everything that can be generated, values included (new CAs: every kubeconfig and agent must be issued again). */
  force?: boolean;
  /** The proxy's public host names or addresses (kubectl's and the agents'); the serving certificate is issued for them. */
  proxyHosts?: readonly string[];
  /** The overlay's namespace: the relay certificate names portcullis-proxy-relay.<namespace>.svc. */
  namespace?: string;
  oidcClientSecret?: string;
  /** An operator's own serving certificate (leaf first, then intermediates), its key and the CA it chains to, all PEM. */
  proxyCertificate?: { cert: string; key: string; ca: string };
}

export type SecretStatus = 'written' | 'kept' | 'unfilled';

export interface SecretOutcome {
  secret: string;
  status: SecretStatus;
}

export interface EvaluationSecretsResult {
  secrets: SecretOutcome[];
  /** The names in the proxy's serving certificate, generated or kept: where kubectl and agents must reach it. */
  proxyHosts: string[];
}

/** The files would not make a working install; nothing was written. Lists every reason. */
export class SecretsRefused extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'SecretsRefused';
  }
}

const SERVICES = ['identity', 'policy', 'kubeconfig-issuer', 'proxy', 'sa-provisioner', 'audit'] as const;
// The relay's Service (k8s/base/proxy/relay-service.yaml), which the provisioner dials by name.
const RELAY_SERVICE = 'portcullis-proxy-relay';
const ORGANIZATION = 'Portcullis';
// A CA outlives what it signs by far: replacing it is what voids kubeconfigs and agents.
const CA_VALIDITY_DAYS = 10 * 365;
// As kubeadm's serving certificates; renewing one means deleting its files (and its CA's) and running again.
const CERTIFICATE_VALIDITY_DAYS = 365;

interface CaFiles {
  cert: SecretFile;
  key: SecretFile;
  /** The certificate alone, for the proxy, which verifies with it but must not hold the key. */
  publicCopy: SecretFile;
}

interface LeafFiles {
  ca: SecretFile;
  cert: SecretFile;
  key: SecretFile;
}

/** Every file the overlay reads, registered in the order they are reported. */
function evaluationFiles(tree: SecretTree) {
  const caFiles = (secret: string): CaFiles => ({ cert: tree.file(secret, 'tls.crt'), key: tree.file(secret, 'tls.key'), publicCopy: tree.file(`${secret}-public`, 'ca.crt') });
  const serviceFiles = (secret: string): LeafFiles => ({ ca: tree.file(secret, 'ca.crt'), cert: tree.file(secret, 'tls.crt'), key: tree.file(secret, 'tls.key') });
  return {
    password: tree.file('portcullis-postgres', 'password'),
    databaseUrls: SERVICES.map((service) => tree.file(`portcullis-${service}-database`, 'url')),
    oidcClientSecret: tree.file('portcullis-identity-oidc', 'client-secret'),
    signingKeys: tree.file('portcullis-platform-jwt-keys', 'keys.json'),
    credentialKey: tree.file('portcullis-policy-cluster-credentials', 'key'),
    kubeconfigCa: caFiles('portcullis-kubeconfig-ca'),
    agentCa: caFiles('portcullis-agent-ca'),
    proxy: { cert: tree.file('portcullis-proxy-tls', 'tls.crt'), key: tree.file('portcullis-proxy-tls', 'tls.key'), ca: tree.file('portcullis-proxy-ca', 'ca.crt') } satisfies LeafFiles,
    proxyService: serviceFiles('portcullis-proxy-service-tls'),
    provisionerService: serviceFiles('portcullis-sa-provisioner-service-tls'),
  };
}

type EvaluationFiles = ReturnType<typeof evaluationFiles>;

/**
 * Fills the placeholders under `secretsDir` and reports each Secret: written, kept, or still
 * unfilled (only the OIDC client secret can be: it comes from the IdP). Throws SecretsRefused
 * without writing anything when the result would not work together.
 */
export async function fillEvaluationSecrets(secretsDir: string, options: EvaluationSecretsOptions = {}): Promise<EvaluationSecretsResult> {
  const tree = new SecretTree(secretsDir);
  const files = evaluationFiles(tree);
  const problems: string[] = [];
  // --force never replaces what stored data depends on: PostgreSQL keeps the password its volume
  // was initialised with, and policy's sealed cluster credentials open only with their key.
  const boundToData = new Set<SecretFile>([files.password, ...files.databaseUrls, files.credentialKey]);
  const open = (file: SecretFile) => !file.holdsValue || (options.force === true && !boundToData.has(file));

  /** What the operator gave goes where there is no value yet; a different value already there is theirs to remove. */
  const provide = (file: SecretFile, content: string, given: string) => {
    if (open(file) || file.current === content) file.next = content;
    else problems.push(`${file.name} already holds a value other than ${given}: delete the file to replace it`);
  };

  /** Files that only work as a set are generated together or kept together, never half and half. */
  const together = async (set: SecretFile[], because: string, generate: () => Promise<string[]>) => {
    const missing = set.filter(open);
    if (missing.length === 0) return;
    if (missing.length < set.length) {
      const present = set.filter((file) => !open(file));
      problems.push(`${names(missing)} ${missing.length === 1 ? 'holds' : 'hold'} no value but ${names(present)} ${present.length === 1 ? 'does' : 'do'}; ${because}: delete them all to make new ones`);
      return;
    }
    const contents = await generate();
    set.forEach((file, index) => (file.next = contents[index]));
  };

  if (open(files.password)) files.password.next = randomBytes(24).toString('base64url');
  for (const url of files.databaseUrls) if (open(url)) url.next = databaseUrl(files.password.value ?? '');

  if (options.oidcClientSecret !== undefined) provide(files.oidcClientSecret, options.oidcClientSecret, 'the client secret given');
  if (open(files.signingKeys)) files.signingKeys.next = `${JSON.stringify([signingKey()], null, 2)}\n`;
  if (open(files.credentialKey)) files.credentialKey.next = randomBytes(32).toString('base64');

  for (const [ca, commonName, voids] of [
    [files.kubeconfigCa, 'Portcullis kubeconfig client CA', 'every kubeconfig it signed'],
    [files.agentCa, 'Portcullis agent CA', 'every agent it signed'],
  ] as const) {
    await together([ca.cert, ca.key], `they are one key pair, and a new CA voids ${voids}`, async () => {
      const pair = await createCertificateAuthority({ commonName, organization: ORGANIZATION, validityDays: CA_VALIDITY_DAYS });
      return [pair.cert, pair.key];
    });
    if (open(ca.publicCopy) && ca.cert.value !== undefined) ca.publicCopy.next = ca.cert.value;
  }

  const proxyHosts = options.proxyHosts ?? [DEFAULT_PROXY_HOST];
  if (options.proxyCertificate) {
    const given = options.proxyCertificate;
    provide(files.proxy.cert, given.cert, 'the --proxy-cert given');
    provide(files.proxy.key, given.key, 'the --proxy-key given');
    provide(files.proxy.ca, given.ca, 'the --proxy-ca given');
  } else {
    await together([files.proxy.cert, files.proxy.key, files.proxy.ca], "the proxy CA's key is not kept, and kubeconfigs issued before trust only the old CA (or pass --proxy-cert, --proxy-key and --proxy-ca)", async () => {
      const ca = await createCertificateAuthority({ commonName: 'Portcullis proxy CA', organization: ORGANIZATION, validityDays: CA_VALIDITY_DAYS });
      const leaf = await issueCertificate(ca, { commonName: proxyHosts[0], organization: ORGANIZATION, usages: ['serverAuth'], subjectAltNames: proxyHosts, validityDays: CERTIFICATE_VALIDITY_DAYS });
      return [leaf.cert, leaf.key, ca.cert];
    });
  }

  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const { proxyService, provisionerService } = files;
  const services = [proxyService.ca, proxyService.cert, proxyService.key, provisionerService.ca, provisionerService.cert, provisionerService.key];
  await together(services, "the service CA's key is not kept", async () => {
    const ca = await createCertificateAuthority({ commonName: 'Portcullis service CA', organization: ORGANIZATION, validityDays: CA_VALIDITY_DAYS });
    // The provisioner dials the relay by its Service name; replicas dial each other by pod IP,
    // which no certificate names: they check the CN (apps/proxy/src/tunnel/peer-relays.ts).
    const relay = await issueCertificate(ca, {
      commonName: 'proxy',
      organization: ORGANIZATION,
      usages: ['serverAuth', 'clientAuth'],
      subjectAltNames: [RELAY_SERVICE, `${RELAY_SERVICE}.${namespace}.svc`],
      validityDays: CERTIFICATE_VALIDITY_DAYS,
    });
    const provisioner = await issueCertificate(ca, { commonName: 'sa-provisioner', organization: ORGANIZATION, usages: ['clientAuth'], validityDays: CERTIFICATE_VALIDITY_DAYS });
    return [ca.cert, relay.cert, relay.key, ca.cert, provisioner.cert, provisioner.key];
  });

  if (problems.length === 0) problems.push(...inconsistencies(files, options));
  if (problems.length > 0) throw new SecretsRefused(problems);
  tree.write();
  return { secrets: outcomes(tree), proxyHosts: subjectAltNames(certificateChain(files.proxy.cert, () => undefined)?.[0]) };
}

function outcomes(tree: SecretTree): SecretOutcome[] {
  return tree.secrets().map((secret) => {
    const files = tree.filesOf(secret);
    const status: SecretStatus = files.some((file) => file.changes) ? 'written' : files.every((file) => file.value !== undefined) ? 'kept' : 'unfilled';
    return { secret, status };
  });
}

/** The URL of the overlay's one PostgreSQL; each service keeps to its own schema in it. */
function databaseUrl(password: string): string {
  return `postgres://portcullis:${encodeURIComponent(password)}@postgres:5432/portcullis`;
}

/** identity's platform JWT signing key: an ES256 private JWK with a kid, as identity's own rotation writes it. */
function signingKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256' };
}

function names(files: SecretFile[]): string {
  return files.map((file) => file.name).join(', ');
}

// ---- What must hold of the result, generated or kept alike --------------------------------------

function inconsistencies(files: EvaluationFiles, options: EvaluationSecretsOptions): string[] {
  const problems: string[] = [];
  const problem = (message: string) => problems.push(message);

  // Read into environment variables verbatim: a trailing line break would be part of the value.
  for (const file of [files.password, ...files.databaseUrls, files.credentialKey, files.oidcClientSecret]) {
    if (file.value !== undefined && /[\r\n]/.test(file.value)) problem(`${file.name} holds a line break, which would become part of the value`);
  }
  const password = files.password.value ?? '';
  for (const file of files.databaseUrls) {
    if (file.value !== undefined && passwordOf(file.value) !== password) problem(`${file.name} is not a postgres:// URL with the password in ${files.password.name}`);
  }
  if (!/^[A-Za-z0-9+/]{43}=$/.test(files.credentialKey.value ?? '')) problem(`${files.credentialKey.name} is not base64 of 32 bytes`);
  if (!isSigningKeySet(files.signingKeys.value ?? '')) problem(`${files.signingKeys.name} is not a JSON array of ES256 private JWKs with a kid`);

  for (const ca of [files.kubeconfigCa, files.agentCa]) {
    const cert = keyPair(ca.cert, ca.key, problem);
    if (cert && !cert.ca) problem(`${ca.cert.name} is not a CA certificate`);
    const copy = certificateChain(ca.publicCopy, problem)?.[0];
    if (cert && copy && copy.fingerprint256 !== cert.fingerprint256) problem(`${ca.publicCopy.name} is not the certificate in ${ca.cert.name}`);
  }

  const serving = leaf(files.proxy, 'serverAuth', problem);
  for (const host of options.proxyHosts ?? []) {
    const named = isIP(host) ? serving?.checkIP(host) : serving?.checkHost(host);
    if (serving && named === undefined) problem(`${files.proxy.cert.name} is not issued for ${host}`);
  }

  const relay = leaf(files.proxyService, 'serverAuth', problem);
  const provisioner = leaf(files.provisionerService, 'clientAuth', problem);
  const relayNames = [RELAY_SERVICE, ...(options.namespace ? [`${RELAY_SERVICE}.${options.namespace}.svc`] : [])];
  for (const [cert, file, commonName] of [
    [relay, files.proxyService.cert, 'proxy'],
    [provisioner, files.provisionerService.cert, 'sa-provisioner'],
  ] as const) {
    if (cert && commonNameOf(cert) !== commonName) problem(`${file.name} does not name ${commonName} (CN), which the relay requires`);
  }
  if (relay && !extendedKeyUsages(relay).includes(CLIENT_AUTH)) problem(`${files.proxyService.cert.name} is not for client authentication, which replicas need to reach each other`);
  for (const name of relayNames) if (relay && relay.checkHost(name) === undefined) problem(`${files.proxyService.cert.name} is not issued for ${name}`);
  const serviceCas = [files.proxyService.ca, files.provisionerService.ca].map((file) => certificateChain(file, () => undefined)?.[0]);
  if (serviceCas[0] && serviceCas[1] && serviceCas[0].fingerprint256 !== serviceCas[1].fingerprint256) {
    problem(`${files.proxyService.ca.name} and ${files.provisionerService.ca.name} are not the same CA`);
  }
  return problems;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** The leaf of `files`, when it pairs with its key, chains to its CA and may be used as `usage`. */
function leaf(files: LeafFiles, usage: 'serverAuth' | 'clientAuth', problem: (message: string) => void): X509Certificate | undefined {
  const cert = keyPair(files.cert, files.key, problem);
  const chain = certificateChain(files.cert, () => undefined);
  const cas = certificateChain(files.ca, problem);
  if (!cert || !chain || !cas) return cert;
  if (!chainsTo(chain, cas)) problem(`${files.cert.name} does not chain to ${files.ca.name}`);
  const usages = extendedKeyUsages(cert);
  if (usages.length > 0 && !usages.includes(usage === 'serverAuth' ? SERVER_AUTH : CLIENT_AUTH)) problem(`${files.cert.name} is not for ${usage === 'serverAuth' ? 'server' : 'client'} authentication`);
  return cert;
}

/** The certificate of a pair whose key belongs to it and which has not expired. */
function keyPair(certFile: SecretFile, keyFile: SecretFile, problem: (message: string) => void): X509Certificate | undefined {
  const cert = certificateChain(certFile, problem)?.[0];
  const key = privateKey(keyFile, problem);
  if (!cert || !key) return undefined;
  if (!cert.checkPrivateKey(key)) problem(`${keyFile.name} is not the key of ${certFile.name}`);
  if (new Date(cert.validTo).getTime() <= Date.now()) problem(`${certFile.name} has expired`);
  return cert;
}

function certificateChain(file: SecretFile, problem: (message: string) => void): X509Certificate[] | undefined {
  if (file.value === undefined) return undefined;
  const blocks = file.value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  try {
    if (blocks.length > 0) return blocks.map((block) => new X509Certificate(block));
  } catch {
    // Reported below, like a file without a certificate.
  }
  problem(`${file.name} is not a PEM certificate`);
  return undefined;
}

function privateKey(file: SecretFile, problem: (message: string) => void): KeyObject | undefined {
  if (file.value === undefined) return undefined;
  try {
    return createPrivateKey(file.value);
  } catch {
    problem(`${file.name} is not a PEM private key`);
    return undefined;
  }
}

/** Each certificate is signed by the next; the last by one of `cas` (or is one of them). */
function chainsTo(chain: X509Certificate[], cas: X509Certificate[]): boolean {
  const linked = chain.every((cert, index) => index === chain.length - 1 || signedBy(cert, chain[index + 1]));
  const last = chain[chain.length - 1];
  return linked && cas.some((ca) => ca.fingerprint256 === last.fingerprint256 || signedBy(last, ca));
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function extendedKeyUsages(cert: X509Certificate): string[] {
  return cert.keyUsage ?? [];
}

function commonNameOf(cert: X509Certificate): string | undefined {
  return cert.subject
    .split('\n')
    .find((line) => line.startsWith('CN='))
    ?.slice(3);
}

/** DNS names and IP addresses, as Node prints them: `DNS:a.example.com, IP Address:10.0.0.1`. */
function subjectAltNames(cert: X509Certificate | undefined): string[] {
  return (cert?.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:') || entry.startsWith('IP Address:'))
    .map((entry) => entry.slice(entry.indexOf(':') + 1));
}

function passwordOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return ['postgres:', 'postgresql:'].includes(parsed.protocol) ? decodeURIComponent(parsed.password) : undefined;
  } catch {
    return undefined;
  }
}

function isSigningKeySet(json: string): boolean {
  try {
    const keys: unknown = JSON.parse(json);
    return Array.isArray(keys) && keys.length > 0 && keys.every((key: Record<string, unknown>) => key.kty === 'EC' && key.crv === 'P-256' && typeof key.d === 'string' && typeof key.kid === 'string' && key.kid !== '');
  } catch {
    return false;
  }
}
