import { UserDirectory } from './user-directory';

describe(UserDirectory.name, () => {
  const sut = new UserDirectory([
    { id: '00u1', username: 'alice', password: 'alice-password', email: 'alice@example.com', name: 'Alice', groups: ['admins', 'ops'], disabled: false },
    { username: 'bob', password: 'bob-password', groups: [], disabled: false },
    { username: 'carol', password: 'carol-password', groups: ['ops'], disabled: true },
  ]);

  it('authenticates a user with the right password, as its sub', () => {
    expect(sut.authenticate('alice', 'alice-password')).toEqual({ outcome: 'authenticated', sub: '00u1' });
    expect(sut.authenticate('bob', 'bob-password')).toEqual({ outcome: 'authenticated', sub: 'bob' });
  });

  it('refuses a wrong password and an unknown user alike', () => {
    expect(sut.authenticate('alice', 'bob-password')).toEqual({ outcome: 'invalid-credentials' });
    expect(sut.authenticate('alice', '')).toEqual({ outcome: 'invalid-credentials' });
    expect(sut.authenticate('mallory', 'alice-password')).toEqual({ outcome: 'invalid-credentials' });
  });

  it('tells a disabled user so only after the right password', () => {
    expect(sut.authenticate('carol', 'carol-password')).toEqual({ outcome: 'disabled' });
    expect(sut.authenticate('carol', 'wrong')).toEqual({ outcome: 'invalid-credentials' });
  });

  it('gives the claims of an enabled user by sub, with email_verified only when there is an email', () => {
    expect(sut.claimsOf('00u1')).toEqual({
      sub: '00u1',
      preferred_username: 'alice',
      name: 'Alice',
      email: 'alice@example.com',
      email_verified: true,
      groups: ['admins', 'ops'],
    });
    expect(sut.claimsOf('bob')).toEqual({ sub: 'bob', preferred_username: 'bob', groups: [] });
  });

  it('has no claims for a disabled user, an unknown sub, or a username that is not the sub', () => {
    expect(sut.claimsOf('carol')).toBeUndefined();
    expect(sut.claimsOf('nobody')).toBeUndefined();
    expect(sut.claimsOf('alice')).toBeUndefined();
  });
});
