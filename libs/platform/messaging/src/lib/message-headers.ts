import { headers as natsHeaders, MsgHdrs } from '@nats-io/nats-core';
import { TraceCarrier } from '@portcullis/platform/telemetry';

export const HeaderNames = {
  schema: 'Portcullis-Schema',
  deadLetterReason: 'Portcullis-Dead-Letter-Reason',
  originalSubject: 'Portcullis-Original-Subject',
  originalSequence: 'Portcullis-Original-Sequence',
} as const;

/** Only W3C trace context travels from a carrier; anything else is ours to set. */
const traceHeaderNames = ['traceparent', 'tracestate'];

export function buildHeaders(values: Record<string, string>, trace: TraceCarrier = {}): MsgHdrs {
  const result = natsHeaders();
  for (const [name, value] of Object.entries(values)) result.set(name, value);
  for (const name of traceHeaderNames) {
    const value = trace[name];
    if (value) result.set(name, value);
  }
  return result;
}

export function traceCarrierFrom(headers: MsgHdrs | undefined): TraceCarrier {
  const carrier: TraceCarrier = {};
  for (const name of traceHeaderNames) {
    const value = headers?.get(name);
    if (value) carrier[name] = value;
  }
  return carrier;
}
