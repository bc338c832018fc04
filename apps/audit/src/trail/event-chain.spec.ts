import { AuditRecord } from './audit-record';
import { canonicalContent, canonicalJson, chainHash, contentDigest, genesisHash } from './event-chain';

const record: AuditRecord = {
  id: '6f1c1a52-8d0e-4a53-9d38-1b3e4b9f0a11',
  occurredAt: '2026-03-01T10:00:00.000Z',
  kind: 'policy.admin.action',
  userId: 'root',
  groups: [],
  kubeconfigId: null,
  cluster: null,
  decision: 'allowed',
  verb: 'grant.create',
  apiGroup: '',
  apiVersion: '',
  resource: 'grant',
  subresource: '',
  namespace: '',
  name: 'g-1',
  path: '',
  responseStatus: 200,
  latencyMs: 0,
  bytesIn: null,
  bytesOut: null,
  userAgent: '',
  sourceAddress: '',
  traceId: null,
  details: { after: { role: 'view', subjects: ['a', 'b'] }, before: null },
};

describe('event chain', () => {
  it('writes equal values as equal text whatever the key order (jsonb reorders keys)', () => {
    const sut = canonicalJson({ b: 1, a: { d: [1, { z: null, y: 'x' }], c: 'é' }, skipped: undefined });

    expect(sut).toBe('{"a":{"c":"é","d":[1,{"y":"x","z":null}]},"b":1}');
    expect(canonicalJson({ a: { c: 'é', d: [1, { y: 'x', z: null }] }, b: 1 })).toBe(sut);
  });

  it('writes a record as every field in a fixed order, details with sorted keys', () => {
    expect(canonicalContent(record)).toBe(
      '["portcullis.audit.chain.v1","6f1c1a52-8d0e-4a53-9d38-1b3e4b9f0a11","2026-03-01T10:00:00.000Z","policy.admin.action","root",[],null,null,' +
        '"allowed","grant.create","","","grant","","","g-1","",200,0,null,null,"","",null,{"after":{"role":"view","subjects":["a","b"]},"before":null}]',
    );
  });

  it('makes each link depend on the previous hash, the position and every field', () => {
    const digest = contentDigest(record);
    const sut = chainHash(genesisHash('2026-03-01'), 1, digest);

    expect(sut).toHaveLength(32);
    expect(chainHash(genesisHash('2026-03-01'), 1, contentDigest({ ...record, details: { before: null, after: { subjects: ['a', 'b'], role: 'view' } } }))).toEqual(sut);
    expect(chainHash(genesisHash('2026-03-02'), 1, digest)).not.toEqual(sut);
    expect(chainHash(genesisHash('2026-03-01'), 2, digest)).not.toEqual(sut);
    for (const changed of [{ verb: 'grant.delete' }, { userId: null }, { groups: ['x'] }, { latencyMs: 0.5 }, { details: null }, { occurredAt: '2026-03-01T10:00:00.001Z' }]) {
      expect(chainHash(genesisHash('2026-03-01'), 1, contentDigest({ ...record, ...changed }))).not.toEqual(sut);
    }
  });
});
