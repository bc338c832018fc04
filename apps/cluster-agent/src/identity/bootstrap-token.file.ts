import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';

export interface BootstrapToken {
  value: string;
  /** SHA-256 (hex): what the identity Secret remembers, so a used token is recognised without keeping it. */
  digest: string;
}

export function bootstrapTokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The one-time bootstrap token, mounted from a Secret an admin applies after registering the
 * cluster. Read fresh every time: kubelet replaces the file when the Secret changes.
 */
export class BootstrapTokenFile {
  constructor(private readonly path: string | undefined) {}

  /** The token, or undefined when no file is configured, it does not exist (yet), or it is empty. */
  async read(): Promise<BootstrapToken | undefined> {
    if (!this.path) return undefined;
    let value: string;
    try {
      value = (await fs.readFile(this.path, 'utf8')).trim();
    } catch {
      return undefined;
    }
    return value ? { value, digest: bootstrapTokenDigest(value) } : undefined;
  }
}
