import { Injectable } from '@nestjs/common';
import { RequestContract, RequestOf, ResponseOf } from '@portcullis/contracts';
import { NoRespondersError, RemoteRequestError, ReplyErrorCode, Requester, RequestTimeoutError } from '@portcullis/platform/messaging';
import { PeerServiceErrorCode, PeerServiceException } from './peer-service.exception';

/** The services the admin API forwards to, by the name an admin knows them by. */
export type PeerService = 'identity' | 'kubeconfig-issuer' | 'sa-provisioner' | 'audit';

/**
 * Asks another service over NATS request/reply and turns what can go wrong into domain
 * exceptions: no answer names the service that is missing; its NOT_FOUND stays NOT_FOUND.
 * Anything else (a malformed reply, an internal error over there) propagates as unexpected.
 */
@Injectable()
export class PeerRequests {
  constructor(private readonly requester: Requester) {}

  /** `timeoutMs`: for requests whose work grows with what is asked (verifying a range); otherwise NATS_REQUEST_TIMEOUT_MS. */
  async ask<C extends RequestContract>(service: PeerService, contract: C, payload: RequestOf<C>, options: { timeoutMs?: number } = {}): Promise<ResponseOf<C>> {
    try {
      return await this.requester.request(contract, payload, options);
    } catch (error) {
      if (error instanceof NoRespondersError || error instanceof RequestTimeoutError) {
        throw new PeerServiceException(PeerServiceErrorCode.Unavailable, `the ${service} service does not answer (${contract.subject}); try again once it runs`);
      }
      if (error instanceof RemoteRequestError && error.code === 'NOT_FOUND') {
        throw new PeerServiceException(PeerServiceErrorCode.NotFound, error.message);
      }
      if (error instanceof RemoteRequestError && error.code === ReplyErrorCode.badRequest) {
        throw new PeerServiceException(PeerServiceErrorCode.Rejected, `the ${service} service refused the request: ${error.message}`);
      }
      throw error;
    }
  }
}
