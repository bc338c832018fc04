import { ServiceProcess } from '@portcullis/platform/testing';
import path from 'node:path';

const MODULE_TRACE = path.join(__dirname, 'module-trace.cjs');

/**
 * One of a built app's entry points run as the image runs it: `node <script>` in the directory that
 * holds it and its node_modules, with the image's NODE_ENV and NODE_OPTIONS, PATH, and the given
 * variables, nothing inherited (a NODE_PATH or NODE_OPTIONS of the test run would change what
 * resolves). module-trace.cjs records the packages it loads in `traceFile`.
 */
export function startBuiltApp(
  name: string,
  options: { dir: string; script: string; args?: string[]; env: Record<string, string>; traceFile: string },
): ServiceProcess {
  const env = { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', NODE_OPTIONS: '--enable-source-maps', ...options.env, MODULE_TRACE_FILE: options.traceFile };
  return new ServiceProcess(name, env, { args: ['--require', MODULE_TRACE, options.script, ...(options.args ?? [])], cwd: options.dir, isolatedEnv: true });
}
