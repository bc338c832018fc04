export enum UsersErrorCode {
  Disabled = 'USER_DISABLED',
}

export class UsersException extends Error {
  constructor(
    readonly code: UsersErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UsersException';
  }
}
