import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { closeAllPodStreams, type PodStreamTarget } from '../src/streaming';
import { kubectlAvailable, startEchoServer, startStreamingHarness, type StreamingHarness } from './streaming-harness';

// Real kubectl 1.32 against handlePodUpgrade, in both transports it speaks.
const describeWithKubectl = kubectlAvailable() ? describe : describe.skip;
const kubectlNote = kubectlAvailable() ? '' : ' (skipped: kubectl is not on PATH)';

const REMOTE_COMMAND_TRANSPORTS: Array<[string, Record<string, string>, string]> = [
  ['WebSocket', {}, 'upgrade:websocket'],
  ['SPDY/3.1', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, 'upgrade:SPDY/3.1'],
];
const PORT_FORWARD_TRANSPORTS: Array<[string, Record<string, string>, string]> = [
  ['WebSocket (tunnelled SPDY)', {}, 'upgrade:websocket'],
  ['SPDY/3.1', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, 'upgrade:SPDY/3.1'],
];

describeWithKubectl(`streaming with kubectl${kubectlNote}`, () => {
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let harness: StreamingHarness;

  beforeAll(async () => {
    echo = await startEchoServer();
    const target: PodStreamTarget = {
      namespace: 'default',
      pod: 'web',
      containers: ['main'],
      env: { GREETING: 'hello from the pod', LOG_LEVEL: 'debug' },
      ports: { 8080: { host: '127.0.0.1', port: echo.port } },
    };
    harness = await startStreamingHarness(target);
  });

  afterAll(async () => {
    await harness.close();
    await echo.close();
  });

  const lastUpgrade = (): string | undefined => harness.requests.filter((line) => line.includes(' upgrade:')).at(-1);

  describe.each(REMOTE_COMMAND_TRANSPORTS)('exec and attach over %s', (_name, env, upgrade) => {
    it('round-trips every byte of stdin through cat', async () => {
      const input = Array.from({ length: 20_000 }, (_, i) => `line ${i} of the stdin that cat must hand back\n`).join('');

      const result = await harness.kubectl(['exec', '-i', 'web', '--', 'cat'], { stdin: input, env });

      expect(lastUpgrade()).toContain(upgrade);
      expect(result).toEqual({ code: 0, stdout: input, stderr: '' });
      expect(input.length).toBeGreaterThan(512 * 1024);
    });

    it('exits with the exit code of sh -c "exit 3"', async () => {
      const result = await harness.kubectl(['exec', 'web', '--', 'sh', '-c', 'exit 3'], { env });

      expect(result.code).toBe(3);
      expect(result.stderr).toBe('command terminated with exit code 3\n');
    });

    it('keeps stdout and stderr apart and delivers both before the status', async () => {
      const result = await harness.kubectl(['exec', 'web', '--', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2; printf "%s-%d\\n" last 7'], { env });

      expect(result).toEqual({ code: 0, stdout: 'to-stdout\nlast-7\n', stderr: 'to-stderr\n' });
    });

    it('prints the pod environment with env', async () => {
      const result = await harness.kubectl(['exec', 'web', '-c', 'main', '--', 'env'], { env });

      expect(result.code).toBe(0);
      expect(result.stdout.split('\n')).toEqual(expect.arrayContaining(['HOSTNAME=web', 'GREETING=hello from the pod', 'LOG_LEVEL=debug']));
    });

    it('fails an executable that is not in the image as a container runtime does', async () => {
      const result = await harness.kubectl(['exec', 'web', '--', 'no-such-tool', '--help'], { env });

      expect(result.code).toBe(126);
      expect(result.stderr).toContain('exec: "no-such-tool": executable file not found in $PATH');
    });

    it('refuses a container the pod does not have', async () => {
      const result = await harness.kubectl(['exec', 'web', '-c', 'sidecar', '--', 'true'], { env });

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('container sidecar is not valid for pod web');
    });

    it('attach -i echoes stdin back from the main process', async () => {
      const result = await harness.kubectl(['attach', '-i', 'web'], { stdin: 'ping\npong\n', env });

      expect(lastUpgrade()).toMatch(/\/attach\?.* upgrade:/);
      expect(lastUpgrade()).toContain(upgrade);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('ping\npong\n');
    });

    it('ends a running exec when the emulator closes its pod streams', async () => {
      const before = harness.requests.length;
      const child = harness.spawnKubectl(['exec', 'web', '--', 'sleep', '60'], { env });
      const exited = exitOf(child);
      await until(() => harness.requests.slice(before).some((line) => line.includes(' upgrade:')));
      // Give the session a moment to be set up past the upgrade (SPDY streams, first frame).
      await new Promise((resolve) => setTimeout(resolve, 300));

      closeAllPodStreams();

      expect(await exited).toBe(137);
    });
  });

  describe.each(PORT_FORWARD_TRANSPORTS)('port-forward over %s', (_name, env, upgrade) => {
    let child: ChildProcess | undefined;

    afterEach(() => {
      child?.kill('SIGKILL');
      child = undefined;
    });

    it('round-trips bytes to the pod port, connection after connection', async () => {
      const forward = await startPortForward(harness, '8080', env);
      child = forward.child;

      expect(lastUpgrade()).toMatch(/\/portforward /);
      expect(lastUpgrade()).toContain(upgrade);
      for (const size of [5, 300_000]) {
        const payload = Buffer.alloc(size, `connection of ${size} bytes `);
        expect((await roundTrip(forward.localPort, payload)).equals(payload)).toBe(true);
      }
    });

    it('reports a port nothing listens on the way a kubelet does', async () => {
      const forward = await startPortForward(harness, '9999', env);
      child = forward.child;

      await roundTrip(forward.localPort, Buffer.from('hello?')).catch(() => Buffer.alloc(0));

      await until(() => forward.stderr().includes('failed to connect to localhost:9999 inside namespace'));
      expect(forward.stderr()).toContain('error forwarding port 9999 to pod default/web');
    });
  });
});

async function startPortForward(
  harness: StreamingHarness,
  remotePort: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; localPort: number; stderr: () => string }> {
  // `:PORT` lets kubectl pick a free local port and print it.
  const child = harness.spawnKubectl(['port-forward', 'web', `:${remotePort}`, '--address', '127.0.0.1'], { env });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const localPort = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`kubectl port-forward exited with ${code}: ${stderr}`)));
  });
  return { child, localPort, stderr: () => stderr };
}

/** Sends payload, half-closes, and collects everything until the far end closes. */
function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.end(payload);
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
