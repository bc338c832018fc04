import { ConfigError } from '@portcullis/platform/config';

/** A bad variable stops the process with one line on stderr and EX_CONFIG (78), never a stack trace. */
export function loadConfigOrExit<C>(service: string, loadConfig: () => C): C {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`portcullis-${service}: ${error.message}\n`);
    // EX_CONFIG: a supervisor should not restart-loop on it
    process.exit(78);
  }
}
