import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevIdpConfigError, loadDevIdpConfig, subjectOf } from './dev-idp-config';

const CLIENTS = `clients:
  - client_id: portcullis
    client_secret: secret
    redirect_uris: [http://127.0.0.1:3001/auth/callback]
`;

describe(loadDevIdpConfig.name, () => {
  it('reads a YAML file and fills in the defaults', () => {
    const directory = mkdtempSync(join(tmpdir(), 'dev-idp-config-'));
    try {
      const file = join(directory, 'users.yaml');
      writeFileSync(file, `users:\n  - username: alice\n    password: pw\n${CLIENTS}`);

      const sut = loadDevIdpConfig(file);

      expect(sut.users).toEqual([{ username: 'alice', password: 'pw', groups: [], disabled: false }]);
      expect(sut.clients).toEqual([
        { client_id: 'portcullis', client_secret: 'secret', redirect_uris: ['http://127.0.0.1:3001/auth/callback'], post_logout_redirect_uris: [] },
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('takes text with a newline as YAML, and the id as sub when given', () => {
    const sut = loadDevIdpConfig(`users:\n  - id: 00u1\n    username: alice\n    password: pw\n  - username: bob\n    password: pw\n${CLIENTS}`);

    expect(sut.users.map(subjectOf)).toEqual(['00u1', 'bob']);
  });

  it.each([
    ['a missing file', '/nonexistent/dev-users.yaml', 'cannot read /nonexistent/dev-users.yaml: ENOENT'],
    ['bad YAML', 'users: [\n', /^invalid YAML in config: .+ at line \d+, column \d+$/],
    ['an empty document', '\n', 'invalid config: the document is invalid: Invalid input: expected object, received null'],
    ['no clients', 'users:\n  - username: a\n    password: p\n', 'invalid config: clients is required'],
    ['a user without a password', `users:\n  - username: a\n${CLIENTS}`, 'invalid config: users[0].password is required'],
    ['an empty password', `users:\n  - username: a\n    password: ""\n${CLIENTS}`, /^invalid config: users\[0\]\.password is invalid: /],
    ['a bad email', `users:\n  - username: a\n    password: p\n    email: nope\n${CLIENTS}`, 'invalid config: users[0].email is invalid: Invalid email address'],
    ['groups that are not a list', `users:\n  - username: a\n    password: p\n    groups: admins\n${CLIENTS}`, /^invalid config: users\[0\]\.groups is invalid: /],
    ['an unknown key', `users:\n  - username: a\n    password: p\n    group: [x]\n${CLIENTS}`, 'invalid config: users[0] has unknown key group'],
    ['duplicate usernames', `users:\n  - username: a\n    password: p\n  - username: a\n    password: q\n${CLIENTS}`, 'invalid config: duplicate username "a"'],
    [
      'an id that repeats another user',
      `users:\n  - username: a\n    password: p\n  - id: a\n    username: b\n    password: q\n${CLIENTS}`,
      'invalid config: duplicate user id "a"',
    ],
    [
      'a redirect URI that is not http(s)',
      'users:\n  - username: a\n    password: p\nclients:\n  - client_id: c\n    client_secret: s\n    redirect_uris: [ftp://127.0.0.1/cb]\n',
      /^invalid config: clients\[0\]\.redirect_uris\[0\] is invalid: /,
    ],
    [
      'duplicate client ids',
      `users:\n  - username: a\n    password: p\n${CLIENTS}  - client_id: portcullis\n    client_secret: other\n    redirect_uris: [http://127.0.0.1/cb]\n`,
      'invalid config: duplicate client_id "portcullis"',
    ],
  ])('rejects %s with a one-line message', (_name, source, message) => {
    const error = captureError(() => loadDevIdpConfig(source));

    expect(error).toBeInstanceOf(DevIdpConfigError);
    expect(error.message).toMatch(typeof message === 'string' ? new RegExp(`^${escapeRegExp(message)}$`) : message);
    expect(error.message).not.toContain('\n');
  });

  it('names every problem at once', () => {
    const error = captureError(() => loadDevIdpConfig('users:\n  - username: a\n  - password: p\n'));

    expect(error.message).toBe('invalid config: users[0].password is required; users[1].username is required; clients is required');
  });
});

function captureError(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
