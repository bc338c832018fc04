import { DomainException } from '@portcullis/platform/errors';

enum DoorErrorCode {
  Locked = 'DOOR_LOCKED',
}

class DoorException extends DomainException<DoorErrorCode> {}

describe(DomainException.name, () => {
  it('carries its code and message and is named after the subclass, for logs', () => {
    const sut = new DoorException(DoorErrorCode.Locked, 'the door is locked');

    expect(sut).toBeInstanceOf(DoorException);
    expect(sut).toBeInstanceOf(DomainException);
    expect(sut).toBeInstanceOf(Error);
    expect({ code: sut.code, message: sut.message, name: sut.name }).toEqual({ code: 'DOOR_LOCKED', message: 'the door is locked', name: 'DoorException' });
    expect(String(sut)).toBe('DoorException: the door is locked');
  });
});
