// Runs kubernetes-models' compiled OpenAPI validators for manifest-schema.ts. It is a separate
// Node process because the package is ES modules only and exports its files to `import` alone,
// which jest's CommonJS runtime cannot resolve.
//
// stdin: [{ group, version, kind, object }]; stdout: one list of ajv errors per object.
import { readFileSync } from 'node:fs';

const requests = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const { group, version, kind, object } of requests) {
  const module = await import(group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`);
  try {
    new module[kind](object).validate();
    results.push([]);
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    results.push(error.errors.map(({ instancePath, keyword, params, message }) => ({ instancePath, keyword, params, message })));
  }
}
process.stdout.write(JSON.stringify(results));
