import { ReplyError } from '@portcullis/platform/messaging';
import { KubeconfigErrorCode, KubeconfigException, toReplyError } from './kubeconfig.exception';

describe(toReplyError.name, () => {
  it('lets a domain exception through with its code and message', () => {
    const error = new KubeconfigException(KubeconfigErrorCode.NotFound, 'no kubeconfig 42');

    const sut = toReplyError(error);

    expect(sut).toBeInstanceOf(ReplyError);
    expect(sut).toMatchObject({ code: 'NOT_FOUND', message: 'no kubeconfig 42' });
  });

  it('strips the code of any other error, so a database error code or its SQL never reaches the caller', () => {
    const databaseError = Object.assign(new Error('duplicate key value violates unique constraint "UQ_x"'), { code: '23505' });

    const sut = toReplyError(databaseError);

    expect(sut).not.toHaveProperty('code');
    expect(sut.message).toBe('kubeconfig request failed');
    // Kept for the log line the responder writes with the error id.
    expect(sut.cause).toBe(databaseError);
  });
});
