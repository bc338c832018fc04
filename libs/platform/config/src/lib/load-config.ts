import { z } from 'zod';
import { isSensitive } from './config-schema';

export type EnvSource = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates every variable at once so an operator sees all mistakes in one line, not one
 * per restart. Empty strings count as missing: `FOO=` in a manifest is almost always a mistake.
 */
export function loadConfig<Shape extends Record<string, z.ZodType>>(
  shape: Shape,
  env: EnvSource = process.env,
): z.infer<z.ZodObject<Shape>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    input[key] = value === undefined || value.trim() === '' ? undefined : value;
  }
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data;

  const problems = new Map<string, string>();
  for (const issue of result.error.issues) {
    const key = String(issue.path[0]);
    if (problems.has(key)) continue;
    const expects = shape[key]?.description ?? 'a valid value';
    const state = input[key] === undefined ? 'is required' : 'is invalid';
    problems.set(key, `${key} ${state}, expects ${expects}`);
  }
  throw new ConfigError([...problems.values()]);
}

/** The config with sensitive values masked, safe for a startup log line. */
export function redactConfig<Shape extends Record<string, z.ZodType>>(
  shape: Shape,
  config: z.infer<z.ZodObject<Shape>>,
): Record<string, unknown> {
  const entries = Object.entries(config as Record<string, unknown>).map(([key, value]) => [
    key,
    shape[key] && isSensitive(shape[key]) && value !== undefined ? '[redacted]' : value,
  ]);
  return Object.fromEntries(entries);
}
