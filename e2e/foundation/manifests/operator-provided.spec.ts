import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOperatorProvided, operatorProvidedFile } from './support/operator-provided';

describe(loadOperatorProvided.name, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'operator-provided-'));
  const fixture = (yaml: string): string => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return file;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the Secrets and ConfigMaps with their keys', () => {
    const file = fixture(`
# Secrets an operator creates before applying a base or the production overlay (README "Deploy").
secrets:
  - name: portcullis-proxy-database
    keys: [url]
    usedBy: [proxy]
    purpose: PostgreSQL connection URL of the proxy's schema
configMaps: []
`);
    expect(loadOperatorProvided(file)).toEqual({ secrets: new Map([['portcullis-proxy-database', ['url']]]), configMaps: new Map() });
  });

  it('lists nothing when there is no file', () => {
    expect(loadOperatorProvided(path.join(dir, 'absent.yaml'))).toEqual({ secrets: new Map(), configMaps: new Map() });
  });

  it('rejects entries without keys or purpose, unknown fields and names listed twice', () => {
    expect(() => loadOperatorProvided(fixture('secrets:\n  - name: a\n    usedBy: [proxy]\n'))).toThrow(/keys[\s\S]*purpose/);
    expect(() => loadOperatorProvided(fixture('secrets: []\nconfigmaps: []\n'))).toThrow(/configmaps/);
    const twice = '  - name: a\n    keys: [k]\n    usedBy: [proxy]\n    purpose: p\n';
    expect(() => loadOperatorProvided(fixture(`secrets:\n${twice}${twice}`))).toThrow('Secret a is listed twice');
  });

  it('reads the k8s/operator-provided.yaml of the repository', () => {
    expect(() => loadOperatorProvided(operatorProvidedFile)).not.toThrow();
  });
});
