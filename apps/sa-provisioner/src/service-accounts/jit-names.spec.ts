import { bindingName, customClusterRoleName, serviceAccountName, userHash } from './jit-names';

describe('jit-names', () => {
  it('names a ServiceAccount from a stable hash of the user id, as a DNS label', () => {
    const sut = serviceAccountName('00u1abcd@example.com');

    expect(sut).toBe(serviceAccountName('00u1abcd@example.com'));
    expect(sut).toMatch(/^pc-[0-9a-f]{16}$/);
    expect(sut).not.toBe(serviceAccountName('00u1abcE@example.com'));
    expect(sut).toBe(`pc-${userHash('00u1abcd@example.com')}`);
  });

  it('keeps role names that are DNS labels readable and hashes any other', () => {
    expect(customClusterRoleName('pod-reader')).toBe('portcullis-role-pod-reader');
    expect(bindingName('pc-0123456789abcdef', 'view')).toBe('pc-0123456789abcdef-view');
    expect(customClusterRoleName('Pod Reader/2')).toMatch(/^portcullis-role-r-[0-9a-f]{12}$/);
  });
});
