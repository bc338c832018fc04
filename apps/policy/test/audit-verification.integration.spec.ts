import { AuditVerifyRequestV1, AuditVerifyResponseV1, AuditVerifyV1 } from '@portcullis/contracts';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PolicyUnderTest } from './support/policy-under-test';

const VERIFY = `query($from: DateTime!, $to: DateTime!) {
  auditTrailVerification(from: $from, to: $to) { days checkedEvents intact firstBrokenLink { day chainSeq eventId reason } }
}`;

const NOVEMBER = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-04T00:00:00.000Z' };

interface Verification {
  auditTrailVerification: { days: string[]; checkedEvents: number; intact: boolean; firstBrokenLink: { day: string; chainSeq: number; eventId: string | null; reason: string } | null };
}

/** The query is policy's, the chains are audit's: a stand-in for audit answers AuditVerifyV1 on the test's own NATS. */
describe('auditTrailVerification', () => {
  let policy: PolicyUnderTest;

  beforeAll(async () => {
    policy = await PolicyUnderTest.start();
  });

  afterAll(async () => {
    await policy?.stop();
  });

  it('answers SERVICE_UNAVAILABLE, naming audit, while audit does not answer', async () => {
    const result = await policy.graphql(VERIFY, NOVEMBER);

    expect(result.data).toBeNull();
    expect(result.errors).toEqual([
      {
        message: `the audit service does not answer (${AuditVerifyV1.subject}); try again once it runs`,
        locations: [{ line: 2, column: 3 }],
        path: ['auditTrailVerification'],
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      },
    ]);
  });

  describe('with audit answering', () => {
    const asked: AuditVerifyRequestV1[] = [];
    let answer: AuditVerifyResponseV1;
    let answerAfterMs = 0;

    beforeAll(() => {
      policy.serve(AuditVerifyV1, async (request) => {
        asked.push(request);
        await sleep(answerAfterMs);
        return answer;
      });
    });

    beforeEach(() => {
      asked.length = 0;
      answerAfterMs = 0;
    });

    it('passes the range on and reports intact chains', async () => {
      answer = { days: ['2026-11-01', '2026-11-02', '2026-11-03'], checkedEvents: 12_345, firstBrokenLink: null };

      const data = await policy.ok<Verification>(VERIFY, { from: '2026-11-01T00:00:00Z', to: '2026-11-04T00:00:00+00:00' });

      expect(asked).toEqual([NOVEMBER]);
      expect(data.auditTrailVerification).toEqual({ days: ['2026-11-01', '2026-11-02', '2026-11-03'], checkedEvents: 12_345, intact: true, firstBrokenLink: null });
    });

    it.each([
      ['content-altered', 'CONTENT_ALTERED', randomUUID()],
      ['sequence-broken', 'SEQUENCE_BROKEN', randomUUID()],
      ['head-mismatch', 'HEAD_MISMATCH', null],
    ] as const)('reports a broken link (%s) as %s, not intact', async (reason, graphQLReason, eventId) => {
      answer = { days: ['2026-11-01', '2026-11-02'], checkedEvents: 41, firstBrokenLink: { day: '2026-11-02', chainSeq: 7, eventId, reason } };

      const data = await policy.ok<Verification>(VERIFY, NOVEMBER);

      expect(data.auditTrailVerification).toEqual({
        days: ['2026-11-01', '2026-11-02'],
        checkedEvents: 41,
        intact: false,
        firstBrokenLink: { day: '2026-11-02', chainSeq: 7, eventId, reason: graphQLReason },
      });
    });

    it('waits for a verification that takes longer than an ordinary request may', async () => {
      // PolicyUnderTest sets NATS_REQUEST_TIMEOUT_MS to 1000.
      answerAfterMs = 2_500;
      answer = { days: ['2026-11-01'], checkedEvents: 1, firstBrokenLink: null };

      const data = await policy.ok<Verification>(VERIFY, NOVEMBER);

      expect(data.auditTrailVerification.intact).toBe(true);
    });

    it('refuses a signed-in person who is not an admin as FORBIDDEN, without asking audit', async () => {
      const developer = await policy.token({ sub: 'dev-1', admin: false, groups: ['developers'] });

      const result = await policy.graphql(VERIFY, NOVEMBER, developer);

      expect(result).toEqual({ status: 403, errors: [{ message: 'the admin API is for Portcullis admins only', extensions: { code: 'FORBIDDEN' } }] });
      expect(asked).toEqual([]);
    });

    it('refuses a range that ends before it starts, is empty or spans more than 31 days as BAD_USER_INPUT, without asking audit', async () => {
      const backwards = await policy.fails(VERIFY, { from: '2026-11-04T00:00:00Z', to: '2026-11-01T00:00:00Z' });
      const empty = await policy.fails(VERIFY, { from: '2026-11-01T00:00:00Z', to: '2026-11-01T00:00:00Z' });
      const tooLong = await policy.fails(VERIFY, { from: '2026-11-01T00:00:00Z', to: '2026-12-02T00:00:00.001Z' });

      expect(backwards).toMatchObject({ message: 'to: must be after from', path: ['auditTrailVerification'], extensions: { code: 'BAD_USER_INPUT' } });
      expect(empty).toMatchObject({ message: 'to: must be after from', extensions: { code: 'BAD_USER_INPUT' } });
      expect(tooLong).toMatchObject({ message: 'to: at most 31 days after from', extensions: { code: 'BAD_USER_INPUT' } });
      expect(asked).toEqual([]);
    });

    it('refuses a time that is not a date-time as BAD_USER_INPUT', async () => {
      const error = await policy.fails(VERIFY, { from: 'last tuesday', to: '2026-11-04T00:00:00Z' });

      expect(error).toMatchObject({ message: 'from: not a date-time', extensions: { code: 'BAD_USER_INPUT' } });
      expect(asked).toEqual([]);
    });

    it('refuses an auditEvents filter time that is not a date-time as BAD_USER_INPUT too', async () => {
      const error = await policy.fails(`query($from: DateTime) { auditEvents(filter: { from: $from }) { nextCursor } }`, { from: 'last tuesday' });

      expect(error).toMatchObject({ message: expect.stringMatching(/^filter: from: /), extensions: { code: 'BAD_USER_INPUT' } });
    });

    it('accepts exactly 31 days', async () => {
      answer = { days: [], checkedEvents: 0, firstBrokenLink: null };

      await policy.ok<Verification>(VERIFY, { from: '2026-11-01T00:00:00Z', to: '2026-12-02T00:00:00Z' });

      expect(asked).toEqual([{ from: '2026-11-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' }]);
    });
  });
});
