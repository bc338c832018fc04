import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';

/**
 * Variables whose values must never be logged. Registered by `sensitive()` so the
 * redaction list cannot drift from the schema.
 */
const sensitiveSchemas = new WeakSet<z.ZodType>();

export function sensitive<T extends z.ZodType>(schema: T): T {
  sensitiveSchemas.add(schema);
  return schema;
}

export function isSensitive(schema: z.ZodType): boolean {
  return sensitiveSchemas.has(schema);
}

// A variable's description is the "what it expects" half of the one-line error. Zod keeps a
// description only on the outermost schema, so `.describe()` must come after `.default()`.

const booleanWords: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

export const envBoolean = (expects = 'true or false') =>
  z
    .string()
    .transform((value, ctx) => {
      const parsed = booleanWords[value.trim().toLowerCase()];
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: 'not a boolean' });
        return z.NEVER;
      }
      return parsed;
    })
    .describe(expects);

export const envPort = (expects = 'a TCP port number (0-65535)') => z.coerce.number().int().min(0).max(65535).describe(expects);

export const envUrl = (protocols: string[], expects: string) =>
  z
    .string()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    }, 'not a valid URL')
    .describe(expects);

export const httpPort = (defaultPort: number) =>
  z.coerce.number().int().min(0).max(65535).default(defaultPort).describe('a TCP port number (0-65535)');

/**
 * Whether `file` holds a PEM certificate. Services read their certificate files at boot so a
 * wrong path or a DER file stops them with the one-line config error, not at the first handshake.
 */
export function readsAsCertificate(file: string): boolean {
  try {
    return new X509Certificate(fs.readFileSync(file)).subject.length > 0;
  } catch {
    return false;
  }
}

/** Whether `file` holds a PEM private key, of one of `types` (node's asymmetricKeyType) when given. */
export function readsAsPrivateKey(file: string, types?: string[]): boolean {
  try {
    const type = createPrivateKey(fs.readFileSync(file)).asymmetricKeyType;
    return type !== undefined && (!types || types.includes(type));
  } catch {
    return false;
  }
}

/** A path to a readable PEM certificate. */
export const certificateFile = (expects: string) => z.string().refine(readsAsCertificate, 'not a readable PEM certificate').describe(expects);
