import { randomUUID } from 'node:crypto';
import { eventContracts } from './event-map';
import { consumerDefinitions, streamDefinitions } from './streams';
import { KubeconfigRevokedV1 } from '../kubeconfig/kubeconfig-revoked.v1';
import { validate } from './contract';

function subjectMatches(pattern: string, subject: string): boolean {
  const patternTokens = pattern.split('.');
  const subjectTokens = subject.split('.');
  for (let i = 0; i < patternTokens.length; i++) {
    if (patternTokens[i] === '>') return subjectTokens.length > i;
    if (patternTokens[i] !== '*' && patternTokens[i] !== subjectTokens[i]) return false;
  }
  return patternTokens.length === subjectTokens.length;
}

describe('contracts', () => {
  it('stores every event subject in exactly one stream, so no event is published into the void', () => {
    for (const subject of Object.keys(eventContracts)) {
      const owners = streamDefinitions.filter((stream) => stream.subjects.some((pattern) => subjectMatches(pattern, subject)));
      expect({ subject, streams: owners.map((s) => s.name) }).toEqual({ subject, streams: [expect.any(String)] });
    }
  });

  it('points every durable consumer at a declared stream and at subjects that stream holds', () => {
    for (const consumer of Object.values(consumerDefinitions)) {
      const stream = streamDefinitions.find((s) => s.name === consumer.stream);
      expect(stream).toBeDefined();
      for (const filter of consumer.filterSubjects) {
        expect(stream?.subjects.some((pattern) => subjectMatches(pattern, filter))).toBe(true);
      }
    }
  });

  it('names what is wrong with an invalid event', () => {
    const sut = validate(KubeconfigRevokedV1.schema, {
      id: randomUUID(),
      occurredAt: 'yesterday',
      kubeconfigId: randomUUID(),
      userId: 'u-1',
      revokedBy: 'admin',
      reason: null,
      expiresAt: new Date().toISOString(),
      extra: true,
    });

    expect(sut.ok).toBe(false);
    expect(!sut.ok && sut.reason).toMatch(/^occurredAt: .*; \(root\): Unrecognized key: "extra"$/);
  });

  it('accepts a valid event unchanged', () => {
    const event = {
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      kubeconfigId: randomUUID(),
      userId: 'u-1',
      revokedBy: 'admin',
      reason: 'lost laptop',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    };

    expect(validate(KubeconfigRevokedV1.schema, event)).toEqual({ ok: true, value: event });
  });
});
