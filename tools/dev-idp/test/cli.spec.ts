import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor, workspaceRoot } from '@portcullis/platform/testing';
import { BrowserClient } from '@portcullis/platform/testing';
import { RelyingParty } from './relying-party';

interface CliRun {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const VALID_CLIENTS = `clients:
  - client_id: portcullis
    client_secret: secret
    redirect_uris: [http://127.0.0.1:3001/auth/callback]
`;

describe('dev IdP command line', () => {
  const directory = mkdtempSync(join(tmpdir(), 'dev-idp-cli-'));
  const runs: CliRun[] = [];

  function run(args: string[]): CliRun {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'tools/dev-idp/src/main.ts', ...args], {
      cwd: workspaceRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collected: CliRun = {
      child,
      stdout: [],
      stderr: [],
      exited: new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal }))),
    };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => collected.stdout.push(...chunk.split('\n').filter(Boolean)));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => collected.stderr.push(...chunk.split('\n').filter(Boolean)));
    runs.push(collected);
    return collected;
  }

  function configFile(name: string, yaml: string): string {
    const file = join(directory, name);
    writeFileSync(file, yaml);
    return file;
  }

  afterEach(async () => {
    for (const { child, exited } of runs.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  });

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('serves the default dev-users.yaml, prints only its ready line on stdout and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const cli = run(['--port', String(port)]);
    await waitFor(() => cli.stdout.length > 0, 'the ready line', 30_000);
    expect(cli.stdout).toEqual([`ready http://127.0.0.1:${port}`]);

    // A whole sign-in, so any notice oidc-provider prints on the way would show up on stdout.
    const rp = await RelyingParty.discover(`http://127.0.0.1:${port}`, {
      clientId: 'portcullis',
      clientSecret: 'portcullis-dev-secret',
      redirectUri: 'http://127.0.0.1:3001/auth/callback',
    });
    const { result } = await rp.signIn(new BrowserClient(), rp.authorizationRequest().url, 'alice', 'alice-password');
    const tokens = await rp.redeem(result.redirectedTo?.searchParams.get('code') as string, 'client_secret_post');
    const { payload } = await rp.verifyIdToken(tokens.body.id_token as string);
    expect(payload['groups']).toEqual(['portcullis-admins', 'platform-team']);
    expect((await new BrowserClient().get(rp.authorizationRequest({ client_id: 'nobody' }).url)).status).toBe(400);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toEqual([`ready http://127.0.0.1:${port}`]);
  });

  it('picks a free port by default and exits 0 on SIGINT', async () => {
    const cli = run(['--config', 'tools/dev-idp/dev-users.yaml']);
    await waitFor(() => cli.stdout.length > 0, 'the ready line', 30_000);
    const [line] = cli.stdout;
    expect(line).toMatch(/^ready http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${line?.slice('ready '.length)}/.well-known/openid-configuration`)).status).toBe(200);

    cli.child.kill('SIGINT');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it.each([
    ['bad YAML', 'users: [\n  - username: alice\n', /^dev-idp: invalid YAML in \S+bad-yaml\.yaml: .+ at line \d+, column \d+$/],
    [
      'a user without a password',
      `users:\n  - username: alice\n    groups: [admins]\n${VALID_CLIENTS}`,
      /^dev-idp: invalid \S+a-user-without-a-password\.yaml: users\[0\]\.password is required$/,
    ],
    [
      'duplicate usernames',
      `users:\n  - username: alice\n    password: one\n  - username: alice\n    password: two\n${VALID_CLIENTS}`,
      /^dev-idp: invalid \S+duplicate-usernames\.yaml: duplicate username "alice"$/,
    ],
    [
      'an unknown user field',
      `users:\n  - username: alice\n    password: one\n    group: [admins]\n${VALID_CLIENTS}`,
      /^dev-idp: invalid \S+an-unknown-user-field\.yaml: users\[0\] has unknown key group$/,
    ],
  ])('exits 1 with a one-line message for %s', async (name, yaml, message) => {
    const cli = run(['--config', configFile(`${name.toLowerCase().replace(/ /g, '-')}.yaml`, yaml)]);

    expect(await cli.exited).toEqual({ code: 1, signal: null });
    expect(cli.stdout).toEqual([]);
    expect(cli.stderr).toHaveLength(1);
    expect(cli.stderr[0]).toMatch(message);
  });

  it('exits 1 with a one-line message for a missing config file, an unknown option and a taken port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const takenPort = (server.address() as AddressInfo).port;
    try {
      const cases = [
        { args: ['--config', join(directory, 'missing.yaml')], message: /^dev-idp: cannot read \S+missing\.yaml: ENOENT$/ },
        { args: ['--issuer', 'http://example.com'], message: /^dev-idp: Unknown option '--issuer'/ },
        { args: ['--port', 'eighty'], message: /^dev-idp: invalid --port eighty$/ },
        { args: ['--port', String(takenPort)], message: new RegExp(`^dev-idp: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${takenPort}$`) },
      ];
      for (const { args, message } of cases) {
        const cli = run(args);
        expect(await cli.exited).toEqual({ code: 1, signal: null });
        expect(cli.stdout).toEqual([]);
        expect(cli.stderr).toHaveLength(1);
        expect(cli.stderr[0]).toMatch(message);
      }
    } finally {
      server.close();
    }
  });
});
