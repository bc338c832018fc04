// `npm run k8s:secrets -- <overlay-dir>` (tools/scripts/k8s-secrets.mjs): the command line around
// fillEvaluationSecrets. Prints Secret names and statuses only, never a value.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_NAMESPACE, DEFAULT_PROXY_HOST, EvaluationSecretsOptions, fillEvaluationSecrets, SecretsRefused, SecretStatus } from './evaluation-secrets';

const USAGE =
  'usage: npm run k8s:secrets -- <overlay-dir> [--proxy-host <host>]... [--namespace <namespace>] ' +
  '[--oidc-client-secret-file <file>] [--proxy-cert <crt> --proxy-key <key> --proxy-ca <ca>] [--force]';

const HELP = `${USAGE}

Writes real values into <overlay-dir>/secrets/ where a file still holds its placeholder (or is
missing) and keeps every file that holds a value, so running it again changes nothing.
  --proxy-host      the proxy's public host name, for its serving certificate (default ${DEFAULT_PROXY_HOST});
                    repeat it for more names
  --namespace       the namespace Portcullis runs in (default ${DEFAULT_NAMESPACE})
  --oidc-client-secret-file
                    a file with the client secret registered at your identity provider
                    (or set OIDC_CLIENT_SECRET); without either it stays a placeholder
  --proxy-cert, --proxy-key, --proxy-ca
                    your own serving certificate (PEM, chain), its key and its CA, instead of generated ones
  --force           replace everything that can be generated, values included: new CAs, so every
                    kubeconfig and every cluster agent must be issued again. Never the PostgreSQL
                    password and URLs, nor the key that seals cluster credentials: stored data
                    depends on them. To replace one Secret, delete its files and run again instead.`;

const LABELS: Record<SecretStatus, string> = { written: 'written ', kept: 'kept    ', unfilled: 'to fill ' };

export interface CommandContext {
  /** Where relative paths are resolved: the directory the operator typed the command in. */
  cwd: string;
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
}

class UsageError extends Error {}

/** Runs the command; resolves with its exit code (2 bad arguments, 1 refused or failed). */
export async function runK8sSecretsCommand(argv: string[], context: CommandContext): Promise<number> {
  let overlayDir: string;
  let options: EvaluationSecretsOptions;
  try {
    const parsed = parseCommandLine(argv, context);
    if (parsed === 'help') {
      context.out(HELP);
      return 0;
    }
    ({ overlayDir, options } = parsed);
  } catch (error) {
    context.err(`k8s:secrets: ${(error as Error).message} (${USAGE.slice('usage: '.length)})`);
    return 2;
  }

  const secretsDir = path.join(path.resolve(context.cwd, overlayDir), 'secrets');
  let result;
  try {
    result = await fillEvaluationSecrets(secretsDir, options);
  } catch (error) {
    const message =
      error instanceof SecretsRefused
        ? `nothing written: ${error.message} (delete the files named to have them made anew, or pass --force to replace everything)`
        : (error as Error).message;
    context.err(`k8s:secrets: ${message}`);
    return 1;
  }
  const outcomes = result.secrets;

  const shownDir = path.join(overlayDir, 'secrets');
  context.out(`${shownDir}:`);
  for (const { secret, status } of outcomes) context.out(`  ${LABELS[status]} ${secret}`);
  context.out('');
  const steps: string[] = [];
  if (outcomes.some(({ secret, status }) => secret === 'portcullis-identity-oidc' && status === 'unfilled')) {
    steps.push(
      `Put the client secret registered for Portcullis at your identity provider into ${path.join(shownDir, 'portcullis-identity-oidc', 'client-secret')} ` +
        '(no line break at the end), or run this again with --oidc-client-secret-file <file> or OIDC_CLIENT_SECRET set.',
    );
  }
  steps.push(
    `Point ${result.proxyHosts.join(', ') || 'the proxy host'} at the load balancer of the portcullis-proxy Service: the proxy's certificate names it, ` +
      `and the overlay's PROXY_PUBLIC_URL (kubeconfigs) and AGENT_TUNNEL_URL (cluster agents) must use it.`,
  );
  steps.push(`kubectl apply -k ${overlayDir}`);
  context.out('Next:');
  steps.forEach((step, index) => context.out(`  ${index + 1}. ${step}`));
  context.out(
    keepOutOfCommits(secretsDir)
      ? `These files hold secrets now. git tracks their placeholders, so it was told to leave them as they are (git update-index --skip-worktree): git status and git commit -a pass them by.`
      : `These files hold secrets now: keep them out of version control.`,
  );
  return 0;
}

/**
 * In a checkout, the secrets replace committed placeholder files: git would show them as changed
 * and `git commit -a` would publish them. skip-worktree is git's way to keep a local version of a
 * tracked file out of status and commits. False where there is no git or nothing tracked.
 */
function keepOutOfCommits(secretsDir: string): boolean {
  const tracked = spawnSync('git', ['ls-files', '-z', '--', '.'], { cwd: secretsDir, encoding: 'utf8' });
  const files = tracked.status === 0 ? tracked.stdout.split('\0').filter(Boolean) : [];
  if (files.length === 0) return false;
  return spawnSync('git', ['update-index', '--skip-worktree', '--', ...files], { cwd: secretsDir }).status === 0;
}

function parseCommandLine(argv: string[], context: CommandContext): 'help' | { overlayDir: string; options: EvaluationSecretsOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'proxy-host': { type: 'string', multiple: true },
        namespace: { type: 'string' },
        'oidc-client-secret-file': { type: 'string' },
        'proxy-cert': { type: 'string' },
        'proxy-key': { type: 'string' },
        'proxy-ca': { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // parseArgs explains itself in a sentence; keep its first line only.
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'the overlay directory is missing' : `one overlay directory expected, got ${positionals.length}`);

  const [overlayDir] = positionals;
  const secretsDir = path.join(path.resolve(context.cwd, overlayDir), 'secrets');
  if (!fs.statSync(secretsDir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${path.join(overlayDir, 'secrets')} is not a directory: expects an overlay directory such as k8s/overlays/evaluation`);

  const options: EvaluationSecretsOptions = { force: values.force === true };
  if (values['proxy-host']) {
    const hosts = values['proxy-host'].map((host) => host.toLowerCase());
    const bad = hosts.find((host) => !isIP(host) && !isDnsName(host));
    if (bad !== undefined) throw new UsageError(`--proxy-host ${bad} is not a host name or an IP address`);
    options.proxyHosts = hosts;
  }
  if (values.namespace !== undefined) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(values.namespace)) throw new UsageError(`--namespace ${values.namespace} is not a Kubernetes namespace name`);
    options.namespace = values.namespace;
  }

  const secretFile = values['oidc-client-secret-file'];
  const oidcClientSecret = secretFile !== undefined ? readInput(context, secretFile, '--oidc-client-secret-file') : context.env['OIDC_CLIENT_SECRET'];
  if (oidcClientSecret !== undefined) {
    // An editor's final line break is not part of the secret.
    const trimmed = oidcClientSecret.replace(/[\r\n]+$/, '');
    if (trimmed === '' || /[\r\n]/.test(trimmed)) throw new UsageError(`the OIDC client secret (${secretFile !== undefined ? '--oidc-client-secret-file' : 'OIDC_CLIENT_SECRET'}) is empty or spans lines`);
    options.oidcClientSecret = trimmed;
  }

  const own = { cert: values['proxy-cert'], key: values['proxy-key'], ca: values['proxy-ca'] };
  const givenCount = Object.values(own).filter((file) => file !== undefined).length;
  if (givenCount > 0) {
    if (givenCount < 3 || own.cert === undefined || own.key === undefined || own.ca === undefined) throw new UsageError('--proxy-cert, --proxy-key and --proxy-ca go together');
    options.proxyCertificate = { cert: readInput(context, own.cert, '--proxy-cert'), key: readInput(context, own.key, '--proxy-key'), ca: readInput(context, own.ca, '--proxy-ca') };
  }
  return { overlayDir, options };
}

function readInput(context: CommandContext, file: string, option: string): string {
  try {
    return fs.readFileSync(path.resolve(context.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`${option} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function isDnsName(host: string): boolean {
  return host.length <= 253 && host.split('.').every((label) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(label));
}
