import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { workspaceRoot } from '@portcullis/platform/testing';
import { findKustomizations, parseObjects } from './support/kustomizations';

describe(findKustomizations.name, () => {
  const root = mkdtempSync(path.join(tmpdir(), 'kustomizations-'));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds every directory kustomize builds, at any depth, and skips components', () => {
    const kustomization = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
    write('base/api/kustomization.yaml', kustomization);
    write('base/api/deployment.yaml', 'kind: Deployment\n');
    write('overlays/evaluation/kustomization.yml', kustomization);
    write('overlays/evaluation/nats/Kustomization', kustomization);
    write('overlays/evaluation/secrets/url', 'postgres://');
    write('components/tls/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n');
    // Relative to the workspace, as kubectl is run from there.
    const relative = path.relative(workspaceRoot, root);
    expect(findKustomizations(root)).toEqual(['base/api', 'overlays/evaluation', 'overlays/evaluation/nats'].map((dir) => path.join(relative, dir)));
  });
});

describe(parseObjects.name, () => {
  it('reads every document and skips empty ones', () => {
    expect(parseObjects('apiVersion: v1\nkind: ConfigMap\n---\n---\napiVersion: v1\nkind: Secret\n')).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap' },
      { apiVersion: 'v1', kind: 'Secret' },
    ]);
  });
});
