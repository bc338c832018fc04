import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { ProxyRequestV1 } from './proxy-request.v1';

/** Most requests one batch carries; a batch also stays well under NATS' default 1 MiB payload limit. */
export const PROXY_REQUEST_BATCH_MAX = 512;

/**
 * Request events as the proxy publishes them: one JetStream message for many requests, because
 * a message per request costs the proxy and every consumer more than the request itself. The
 * batch id de-duplicates a re-sent batch; each request keeps its own id, on which audit and the
 * provisioner stay idempotent. Single ProxyRequestV1 messages remain valid (earlier proxies).
 */
export const ProxyRequestBatchV1 = defineEvent({
  subject: Subjects.proxyRequestBatch,
  schemaName: 'proxy.request-batch.v1',
  shape: {
    requests: z.array(ProxyRequestV1.schema).min(1).max(PROXY_REQUEST_BATCH_MAX),
  },
});
export type ProxyRequestBatchV1 = EventOf<typeof ProxyRequestBatchV1>;
