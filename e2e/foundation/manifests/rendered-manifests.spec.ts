import { ApiSemantics } from './support/api-semantics';
import { findKustomizations, kubectlAvailable, render, renderAll } from './support/kustomizations';
import { ManifestSchema } from './support/manifest-schema';
import { loadOperatorProvided } from './support/operator-provided';
import { objectId, type RenderedObject } from './support/rendered-object';
import { WorkloadPolicy } from './support/workload-policy';

// Found by walking k8s/, so a new base or overlay is checked as soon as it exists.
const dirs = findKustomizations();
const describeWithKubectl = kubectlAvailable ? describe : describe.skip;
if (!kubectlAvailable) console.warn('kubectl not found: skipping the checks of the rendered k8s/ manifests');

function objectsOf(dir: string): RenderedObject[] {
  const { objects, error } = render(dir);
  if (error) throw new Error(`${dir} does not render, so it cannot be checked: ${error}`);
  return objects;
}

let schemaProblems: Map<string, string[]> | undefined;

/** Every rendering validated in one batch: the compiled validators run in one child process. */
function schemaProblemsOf(dir: string): string[] {
  // A directory that does not render fails here, with kustomize's message.
  objectsOf(dir);
  if (!schemaProblems) {
    const rendered = dirs.filter((each) => !render(each).error).flatMap((each) => render(each).objects.map((object) => ({ dir: each, object })));
    const results = new ManifestSchema().validate(rendered.map(({ object }) => object));
    schemaProblems = new Map(dirs.map((each) => [each, []]));
    rendered.forEach(({ dir: from, object }, index) => {
      schemaProblems?.get(from)?.push(...results[index].map(({ path, message }) => `${objectId(object, from)}: ${path ? `${path}: ` : ''}${message}`));
    });
  }
  return schemaProblems.get(dir) ?? [];
}

describeWithKubectl('the kustomizations under k8s/', () => {
  beforeAll(() => renderAll(dirs));

  it('are found by walking k8s/', () => {
    expect(dirs).toEqual(expect.arrayContaining(['k8s/base/identity', 'k8s/base/proxy']));
  });

  it.each(dirs)('%s renders without errors or warnings', (dir) => {
    expect(render(dir).error).toBeUndefined();
  });

  it.each(dirs)('%s: every object is served by Kubernetes and valid for its schema, with no unknown field', (dir) => {
    expect(schemaProblemsOf(dir)).toEqual([]);
  });

  it.each(dirs)('%s: every workload is restricted, probed, sized, pinned, and finds its Secrets and ConfigMaps', (dir) => {
    expect(new WorkloadPolicy(loadOperatorProvided()).check(dir, objectsOf(dir))).toEqual([]);
  });

  it.each(dirs)('%s: names, selectors, ports and targets are what the API server and the controllers accept', (dir) => {
    expect(new ApiSemantics().check(dir, objectsOf(dir))).toEqual([]);
  });
});
