/*
 * The development PKI: throwaway certificate authorities for `npm start` and the tests, never
 * for production (an operator brings their own CAs), issued by certificate-issuer.ts.
 *   - the kubeconfig client CA, which signs the client certificate in every issued kubeconfig
 *     and which the proxy trusts for mTLS;
 *   - the proxy CA and the proxy's serving certificate for 127.0.0.1 and localhost, which every
 *     kubeconfig trusts as certificate-authority-data;
 *   - the agent CA, with which policy signs the client certificates of cluster agents (agent
 *     mode) and which the proxy's tunnel endpoint trusts;
 *   - the service CA and the service certificates Portcullis' own services present to each other
 *     on the proxy's internal relay: `proxy` (serving the relay, and dialling other replicas) and
 *     `sa-provisioner` (its calls to agent-mode clusters).
 */
import { createPrivateKey, KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CertificateAndKey, CertificateProfile, createCertificateAuthority, issueCertificate } from './certificate-issuer';

export interface DevPki {
  dir: string;
  kubeconfigCaCertFile: string;
  kubeconfigCaKeyFile: string;
  proxyCaCertFile: string;
  proxyCaKeyFile: string;
  proxyCertFile: string;
  proxyKeyFile: string;
  agentCaCertFile: string;
  agentCaKeyFile: string;
  serviceCaCertFile: string;
  serviceCaKeyFile: string;
  proxyServiceCertFile: string;
  proxyServiceKeyFile: string;
  provisionerServiceCertFile: string;
  provisionerServiceKeyFile: string;
}

interface KeyPairFiles {
  certFile: string;
  keyFile: string;
}

interface LoadedPair {
  cert: X509Certificate;
  key: KeyObject;
  pem: CertificateAndKey;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 10 * 365;
const SERVING_VALIDITY_DAYS = 365;
const ORGANIZATION = 'Portcullis development';
// A serving certificate this close to its end is replaced, so a long-lived .data/ never serves an expired one.
const SERVING_RENEW_BEFORE_MS = 30 * DAY_MS;
// A lock left by a process killed mid-way is taken over after this long; generating takes well under a second.
const STALE_LOCK_MS = 10_000;

/**
 * Creates the development PKI in `dir` on the first call and reuses it afterwards, so
 * kubeconfigs issued yesterday still work today. Safe to call from parallel processes.
 */
export async function ensureDevPki(dir: string): Promise<DevPki> {
  const pki: DevPki = {
    dir,
    kubeconfigCaCertFile: path.join(dir, 'kubeconfig-ca.crt'),
    kubeconfigCaKeyFile: path.join(dir, 'kubeconfig-ca.key'),
    proxyCaCertFile: path.join(dir, 'proxy-ca.crt'),
    proxyCaKeyFile: path.join(dir, 'proxy-ca.key'),
    proxyCertFile: path.join(dir, 'proxy.crt'),
    proxyKeyFile: path.join(dir, 'proxy.key'),
    agentCaCertFile: path.join(dir, 'agent-ca.crt'),
    agentCaKeyFile: path.join(dir, 'agent-ca.key'),
    serviceCaCertFile: path.join(dir, 'service-ca.crt'),
    serviceCaKeyFile: path.join(dir, 'service-ca.key'),
    proxyServiceCertFile: path.join(dir, 'proxy-service.crt'),
    proxyServiceKeyFile: path.join(dir, 'proxy-service.key'),
    provisionerServiceCertFile: path.join(dir, 'sa-provisioner-service.crt'),
    provisionerServiceKeyFile: path.join(dir, 'sa-provisioner-service.key'),
  };
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  await withDirectoryLock(dir, async () => {
    const kubeconfigCa = { certFile: pki.kubeconfigCaCertFile, keyFile: pki.kubeconfigCaKeyFile };
    if (!loadPair(kubeconfigCa)) await writeCa(kubeconfigCa, 'Portcullis development kubeconfig client CA');

    const agentCa = { certFile: pki.agentCaCertFile, keyFile: pki.agentCaKeyFile };
    if (!loadPair(agentCa)) await writeCa(agentCa, 'Portcullis development agent CA');

    const proxyCaFiles = { certFile: pki.proxyCaCertFile, keyFile: pki.proxyCaKeyFile };
    const proxyCaRenewed = !loadPair(proxyCaFiles);
    if (proxyCaRenewed) await writeCa(proxyCaFiles, 'Portcullis development proxy CA');
    const proxyCa = loadPair(proxyCaFiles);
    if (!proxyCa) throw new Error(`the proxy CA in ${dir} cannot be read back`);

    const proxy = { certFile: pki.proxyCertFile, keyFile: pki.proxyKeyFile };
    const serving = loadPair(proxy);
    const reusable =
      !proxyCaRenewed &&
      serving !== undefined &&
      serving.cert.verify(proxyCa.cert.publicKey) &&
      new Date(serving.cert.validTo).getTime() - Date.now() > SERVING_RENEW_BEFORE_MS;
    if (!reusable) await writeServingCertificate(proxy, proxyCa);

    const serviceCaFiles = { certFile: pki.serviceCaCertFile, keyFile: pki.serviceCaKeyFile };
    const serviceCaRenewed = !loadPair(serviceCaFiles);
    if (serviceCaRenewed) await writeCa(serviceCaFiles, 'Portcullis development service CA');
    const serviceCa = loadPair(serviceCaFiles);
    if (!serviceCa) throw new Error(`the service CA in ${dir} cannot be read back`);
    const services = [
      { files: { certFile: pki.proxyServiceCertFile, keyFile: pki.proxyServiceKeyFile }, profile: { commonName: 'proxy', serverAuth: true } },
      { files: { certFile: pki.provisionerServiceCertFile, keyFile: pki.provisionerServiceKeyFile }, profile: { commonName: 'sa-provisioner', serverAuth: false } },
    ];
    for (const { files, profile } of services) {
      const current = loadPair(files);
      const keep = !serviceCaRenewed && current !== undefined && current.cert.verify(serviceCa.cert.publicKey) && new Date(current.cert.validTo).getTime() - Date.now() > SERVING_RENEW_BEFORE_MS;
      if (!keep) await writeServiceCertificate(files, serviceCa, profile);
    }
  });
  return pki;
}

/** A certificate and its key that belong together and are still valid, or undefined. */
function loadPair(files: KeyPairFiles): LoadedPair | undefined {
  try {
    const pem = { cert: fs.readFileSync(files.certFile, 'utf8'), key: fs.readFileSync(files.keyFile, 'utf8') };
    const cert = new X509Certificate(pem.cert);
    const key = createPrivateKey(pem.key);
    const usable =
      key.asymmetricKeyDetails?.namedCurve === 'prime256v1' && cert.checkPrivateKey(key) && new Date(cert.validTo).getTime() > Date.now();
    return usable ? { cert, key, pem } : undefined;
  } catch {
    return undefined;
  }
}

async function writeCa(files: KeyPairFiles, commonName: string): Promise<void> {
  writePair(files, await createCertificateAuthority({ commonName, organization: ORGANIZATION, validityDays: CA_VALIDITY_DAYS }));
}

const LOOPBACK = ['127.0.0.1', 'localhost'];

async function writeServingCertificate(files: KeyPairFiles, ca: LoadedPair): Promise<void> {
  await writeLeafCertificate(files, ca, { commonName: 'portcullis-proxy', usages: ['serverAuth'], subjectAltNames: LOOPBACK });
}

/** A service's certificate: CN names the service (what the relay checks); the proxy also serves the relay with it. */
async function writeServiceCertificate(files: KeyPairFiles, ca: LoadedPair, profile: { commonName: string; serverAuth: boolean }): Promise<void> {
  await writeLeafCertificate(
    files,
    ca,
    profile.serverAuth
      ? { commonName: profile.commonName, usages: ['serverAuth', 'clientAuth'], subjectAltNames: LOOPBACK }
      : { commonName: profile.commonName, usages: ['clientAuth'] },
  );
}

async function writeLeafCertificate(files: KeyPairFiles, ca: LoadedPair, profile: Pick<CertificateProfile, 'commonName' | 'usages' | 'subjectAltNames'>): Promise<void> {
  writePair(files, await issueCertificate(ca.pem, { ...profile, organization: ORGANIZATION, validityDays: SERVING_VALIDITY_DAYS }));
}

function writePair(files: KeyPairFiles, pair: CertificateAndKey): void {
  // Key first: a reader never finds a new certificate next to the old key.
  writeFileAtomically(files.keyFile, pair.key, 0o600);
  writeFileAtomically(files.certFile, pair.cert, 0o644);
}

/** Readers (a service starting meanwhile) see the old file or the new one, never half of one. */
function writeFileAtomically(file: string, content: string, mode: number): void {
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, `${content.trim()}\n`, { mode });
  fs.chmodSync(temporary, mode);
  fs.renameSync(temporary, file);
}

async function withDirectoryLock(dir: string, work: () => Promise<void>): Promise<void> {
  const lock = path.join(dir, '.dev-pki.lock');
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) fs.rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    await work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
