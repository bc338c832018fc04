import type { PodStreamTarget } from './pod-stream-target';

/** A request the API server refuses before upgrading, with the status and message it uses. */
export class StreamRequestError extends Error {
  constructor(
    readonly code: 400 | 403,
    readonly reason: 'BadRequest' | 'Forbidden',
    message: string,
  ) {
    super(message);
  }
}

export interface RemoteCommandOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
  readonly container: string;
  /** argv for exec; empty for attach. */
  readonly command: string[];
}

// Go's strconv.ParseBool, which the API server uses for these parameters.
const TRUE_VALUES = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

export function parseRemoteCommandOptions(kind: 'exec' | 'attach', query: URLSearchParams, target: PodStreamTarget): RemoteCommandOptions {
  const flag = (name: string): boolean => TRUE_VALUES.has(query.get(name) ?? '');
  const options: RemoteCommandOptions = {
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    tty: flag('tty'),
    container: selectContainer(query.get('container') ?? '', target),
    command: kind === 'exec' ? query.getAll('command') : [],
  };
  if (!options.stdin && !options.stdout && !options.stderr) {
    throw new StreamRequestError(400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr');
  }
  if (kind === 'exec' && options.command.length === 0) {
    throw new StreamRequestError(400, 'BadRequest', 'you must specify at least 1 command');
  }
  return options;
}

function selectContainer(requested: string, target: PodStreamTarget): string {
  if (requested) {
    if (target.containers.length > 0 && !target.containers.includes(requested)) {
      throw new StreamRequestError(400, 'BadRequest', `container ${requested} is not valid for pod ${target.pod}`);
    }
    return requested;
  }
  if (target.containers.length > 1) {
    throw new StreamRequestError(
      400,
      'BadRequest',
      `a container name must be specified for pod ${target.pod}, choose one of: [${target.containers.join(' ')}]`,
    );
  }
  return target.containers[0] ?? '';
}

/** `ports` of the WebSocket port-forward form: repeated or comma-separated. */
export function parsePortForwardPorts(query: URLSearchParams): number[] {
  const values = query.getAll('ports').flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
  if (values.length === 0) throw new StreamRequestError(400, 'BadRequest', 'query parameter "port" is required');
  return values.map((value) => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new StreamRequestError(400, 'BadRequest', `unable to parse "${value}" as a port: port must be in the range 1-65535`);
    }
    return port;
  });
}
