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
  if (result.success) {
    sensitiveKeys.set(result.data, Object.keys(shape).filter((key) => isSensitive(shape[key])));
    return result.data;
  }

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

/** Which keys of a loaded config were declared sensitive, remembered per config object. */
const sensitiveKeys = new WeakMap<object, string[]>();

/** The config with sensitive values masked, safe for a startup log line. */
export function redactConfig(config: object): Record<string, unknown> {
  const hidden = new Set(sensitiveKeys.get(config) ?? []);
  const entries = Object.entries(config).map(([key, value]) => [key, hidden.has(key) && value !== undefined ? '[redacted]' : value]);
  return Object.fromEntries(entries);
}
