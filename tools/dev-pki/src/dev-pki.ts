/*
 * The development PKI: throwaway certificate authorities for `npm start` and the tests, never
 * for production (an operator brings their own CAs). Everything is ECDSA P-256.
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
// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

x509.cryptoProvider.set(webcrypto);

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
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_MS = 10 * 365 * DAY_MS;
const SERVING_VALIDITY_MS = 365 * DAY_MS;
// A serving certificate this close to its end is replaced, so a long-lived .data/ never serves an expired one.
const SERVING_RENEW_BEFORE_MS = 30 * DAY_MS;
// A lock left by a process killed mid-way is taken over after this long; generating takes well under a second.
const STALE_LOCK_MS = 10_000;

const ecdsaP256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ecdsaSha256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

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
    const cert = new X509Certificate(fs.readFileSync(files.certFile));
    const key = createPrivateKey(fs.readFileSync(files.keyFile));
    const usable =
      key.asymmetricKeyDetails?.namedCurve === 'prime256v1' && cert.checkPrivateKey(key) && new Date(cert.validTo).getTime() > Date.now();
    return usable ? { cert, key } : undefined;
  } catch {
    return undefined;
  }
}

async function writeCa(files: KeyPairFiles, commonName: string): Promise<void> {
  const keys = await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [commonName] }, { O: ['Portcullis development'] }],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_VALIDITY_MS),
    keys: keys,
    signingAlgorithm: ecdsaSha256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await writePair(files, cert, keys.privateKey);
}

interface LeafProfile {
  commonName: string;
  usages: string[];
  /** Names 127.0.0.1 and localhost, for a certificate that serves. */
  servesLoopback: boolean;
}

const PROXY_SERVING: LeafProfile = { commonName: 'portcullis-proxy', usages: [x509.ExtendedKeyUsage.serverAuth], servesLoopback: true };

async function writeServingCertificate(files: KeyPairFiles, ca: LoadedPair): Promise<void> {
  await writeLeafCertificate(files, ca, PROXY_SERVING);
}

/** A service's certificate: CN names the service (what the relay checks); the proxy also serves the relay with it. */
async function writeServiceCertificate(files: KeyPairFiles, ca: LoadedPair, profile: { commonName: string; serverAuth: boolean }): Promise<void> {
  const usages = profile.serverAuth ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.clientAuth];
  await writeLeafCertificate(files, ca, { commonName: profile.commonName, usages, servesLoopback: profile.serverAuth });
}

async function writeLeafCertificate(files: KeyPairFiles, ca: LoadedPair, profile: LeafProfile): Promise<void> {
  const keys = await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
  const caCert = new x509.X509Certificate(ca.cert.raw);
  const signingKey = await webcrypto.subtle.importKey('pkcs8', ca.key.export({ format: 'der', type: 'pkcs8' }), ecdsaP256, false, ['sign']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ CN: [profile.commonName] }, { O: ['Portcullis development'] }],
    issuer: caCert.subjectName,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + SERVING_VALIDITY_MS),
    publicKey: keys.publicKey,
    signingKey: signingKey,
    signingAlgorithm: ecdsaSha256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(profile.usages),
      ...(profile.servesLoopback
        ? [
            new x509.SubjectAlternativeNameExtension([
              { type: 'ip', value: '127.0.0.1' },
              { type: 'dns', value: 'localhost' },
            ]),
          ]
        : []),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  await writePair(files, cert, keys.privateKey);
}

async function writePair(files: KeyPairFiles, cert: x509.X509Certificate, privateKey: webcrypto.CryptoKey): Promise<void> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', privateKey);
  // Key first: a reader never finds a new certificate next to the old key.
  writeFileAtomically(files.keyFile, x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), 0o600);
  writeFileAtomically(files.certFile, cert.toString('pem'), 0o644);
}

/** Readers (a service starting meanwhile) see the old file or the new one, never half of one. */
function writeFileAtomically(file: string, content: string, mode: number): void {
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, `${content.trim()}\n`, { mode });
  fs.chmodSync(temporary, mode);
  fs.renameSync(temporary, file);
}

/** 126 random bits; the leading bits are fixed so the DER integer is positive and always 16 bytes long. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x3f) | 0x40;
  return bytes.toString('hex');
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
