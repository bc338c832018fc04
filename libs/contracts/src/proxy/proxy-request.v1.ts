import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';

/** The fields of one request through the proxy; the audit record reuses them. */
export const proxyRequestShape = {
  userId: z.string().nullable(),
  groups: z.array(z.string()),
  kubeconfigId: z.uuid().nullable(),
  cluster: z.string().nullable(),
  decision: z.enum(['allowed', 'denied']),
  verb: z.string().min(1),
  apiGroup: z.string(),
  apiVersion: z.string(),
  resource: z.string(),
  subresource: z.string(),
  namespace: z.string(),
  name: z.string(),
  path: z.string(),
  responseStatus: z.number().int().min(100).max(599),
  latencyMs: z.number().nonnegative(),
  bytesIn: z.number().int().nonnegative(),
  bytesOut: z.number().int().nonnegative(),
  userAgent: z.string(),
  sourceAddress: z.string(),
  traceId: z.string().nullable(),
};

/** One request through the proxy, allowed or denied, as the API server would classify it. */
export const ProxyRequestV1 = defineEvent({
  subject: Subjects.proxyRequest,
  schemaName: 'proxy.request.v1',
  shape: proxyRequestShape,
});
export type ProxyRequestV1 = EventOf<typeof ProxyRequestV1>;
