import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const httpUrl = z.url({ protocol: /^https?$/ });

const userSchema = z
  .object({
    /** The stable `sub`; defaults to the username. */
    id: z.string().min(1).optional(),
    username: z.string().min(1),
    password: z.string().min(1),
    email: z.email().optional(),
    name: z.string().min(1).optional(),
    groups: z.array(z.string().min(1)).default([]),
    disabled: z.boolean().default(false),
  })
  .strict();

const clientSchema = z
  .object({
    client_id: z.string().min(1),
    client_secret: z.string().min(1),
    client_name: z.string().min(1).optional(),
    redirect_uris: z.array(httpUrl).min(1),
    post_logout_redirect_uris: z.array(httpUrl).default([]),
  })
  .strict();

// Unknown keys are errors: a typo such as `group:` would otherwise silently drop a user's groups.
const configSchema = z
  .object({
    users: z.array(userSchema).min(1),
    clients: z.array(clientSchema).min(1),
  })
  .strict();

export type DevIdpUser = z.infer<typeof userSchema>;
export type DevIdpClient = z.infer<typeof clientSchema>;
export type DevIdpConfig = z.infer<typeof configSchema>;

/** A configuration that cannot be used; the message is one line naming every problem. */
export class DevIdpConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevIdpConfigError';
  }
}

/** The `sub` of a user: its `id` when given, else its username. */
export function subjectOf(user: DevIdpUser): string {
  return user.id ?? user.username;
}

/**
 * Reads and validates a dev IdP configuration. `source` is a YAML file path, or YAML text
 * (anything with a newline).
 */
export function loadDevIdpConfig(source: string): DevIdpConfig {
  const isText = source.includes('\n');
  const origin = isText ? 'config' : source;
  const document = parseYaml(isText ? source : readConfigFile(source), origin);
  const result = configSchema.safeParse(document, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${formatPath(issue.path)} ${describeIssue(issue)}`);
    throw new DevIdpConfigError(`invalid ${origin}: ${problems.join('; ')}`);
  }
  const usernames = duplicated(result.data.users.map((user) => user.username));
  const subjects = duplicated(result.data.users.map(subjectOf)).filter((sub) => !usernames.includes(sub));
  const clientIds = duplicated(result.data.clients.map((client) => client.client_id));
  const duplicates = [
    ...usernames.map((name) => `duplicate username "${name}"`),
    ...subjects.map((sub) => `duplicate user id "${sub}"`),
    ...clientIds.map((id) => `duplicate client_id "${id}"`),
  ];
  if (duplicates.length > 0) throw new DevIdpConfigError(`invalid ${origin}: ${duplicates.join('; ')}`);
  return result.data;
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new DevIdpConfigError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function parseYaml(text: string, origin: string): unknown {
  try {
    return parse(text);
  } catch (error) {
    // The yaml package appends a multi-line excerpt; its first line names the problem and position.
    throw new DevIdpConfigError(`invalid YAML in ${origin}: ${(error as Error).message.split('\n')[0].replace(/:$/, '')}`);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the document';
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`)).join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  if (issue.code === 'unrecognized_keys') return `has unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.join(', ')}`;
  return `is invalid: ${issue.message}`;
}

function duplicated(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) repeated.add(value);
    seen.add(value);
  }
  return [...repeated];
}
