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
