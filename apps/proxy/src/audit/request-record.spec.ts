import { ProxyRequestV1, validate } from '@portcullis/contracts';
import { randomUUID } from 'node:crypto';
import { RequestInfoParser } from '../routing/request-info.parser';
import { RequestRecord } from './request-record';

// The audit trail publishes these events without validating each one (the cost was measured on the
// request path): every record, in whatever state a request ends, must build a valid event.
describe(RequestRecord.name, () => {
  const credential = { kubeconfigId: randomUUID(), userId: 'bob', groups: ['developers'], notBefore: 0, notAfter: Date.now() + 60_000 };
  const parser = new RequestInfoParser();

  function expectValid(sut: RequestRecord): ProxyRequestV1 {
    const event = sut.toEvent();
    const checked = validate(ProxyRequestV1.schema, event);
    expect(checked.ok ? 'valid' : checked.reason).toBe('valid');
    return event;
  }

  it('builds a valid event for a request refused before anything was known about it', () => {
    const sut = new RequestRecord('', '', '', '', null);
    sut.status = 400;
    expect(expectValid(sut)).toMatchObject({ verb: 'unknown', userId: null, kubeconfigId: null, cluster: null, decision: 'denied' });
  });

  it('builds a valid event for an allowed request with everything known', () => {
    const sut = new RequestRecord('GET', '/clusters/demo/api/v1/namespaces/team-a/pods?watch=1', 'kubectl/v1.34', '10.0.0.7', 'a'.repeat(32));
    sut.credential = credential;
    sut.cluster = 'demo';
    sut.info = parser.parse('GET', '/api/v1/namespaces/team-a/pods', '?watch=1');
    sut.decision = 'allowed';
    sut.status = 200;
    sut.bytesOut = 1_234;
    expect(expectValid(sut)).toMatchObject({ verb: 'watch', namespace: 'team-a', resource: 'pods', responseStatus: 200, bytesOut: 1_234 });
  });

  it.each([0, 42, 99, 600, 1_000, -1])('keeps the status within HTTP (%i becomes 500)', (status) => {
    const sut = new RequestRecord('GET', '/clusters/demo/version', '', '', null);
    sut.status = status;
    expect(expectValid(sut).responseStatus).toBe(500);
  });

  it('clips what the client controls: a huge path and user agent', () => {
    const sut = new RequestRecord('GET', `/clusters/demo/${'p'.repeat(100_000)}?${'q'.repeat(10_000)}`, 'u'.repeat(100_000), '', null);
    sut.status = 404;
    const event = expectValid(sut);
    expect(event.path.length).toBeLessThanOrEqual(2_048);
    expect(event.userAgent.length).toBeLessThanOrEqual(2_048);
  });

  it('names a method it does not know by its own name, in lower case', () => {
    const sut = new RequestRecord('PROPFIND', '/clusters/demo/', '', '', null);
    sut.status = 405;
    expect(expectValid(sut).verb).toBe('propfind');
  });
});
