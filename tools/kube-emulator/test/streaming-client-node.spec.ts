import { PassThrough, Readable } from 'node:stream';
import { Attach, Exec, KubeConfig, PortForward, type V1Status } from '@kubernetes/client-node';
import { WebSocket, type RawData } from 'ws';
import { closePodStreams, type PodStreamTarget } from '../src/streaming';
import { startEchoServer, startStreamingHarness, type StreamingHarness } from './streaming-harness';

// @kubernetes/client-node (WebSocket only) and hand-written WebSocket clients for the protocol
// details no library exercises: v4 and base64 framing, the first empty frame, refusals.
describe('streaming with @kubernetes/client-node and raw WebSockets', () => {
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let harness: StreamingHarness;
  let kubeConfig: KubeConfig;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    echo = await startEchoServer();
    const target: PodStreamTarget = {
      namespace: 'default',
      pod: 'web',
      containers: ['main'],
      env: { GREETING: 'hello' },
      ports: { 8080: { host: '127.0.0.1', port: echo.port } },
    };
    harness = await startStreamingHarness(target);
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(harness.kubeconfigPath);
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.terminate();
  });

  afterAll(async () => {
    await harness.close();
    await echo.close();
  });

  describe(Exec.name, () => {
    it('delivers stdout, stderr and the exit status', async () => {
      const stdout = collect();
      const stderr = collect();

      const status = await new Promise<V1Status>((resolve, reject) => {
        new Exec(kubeConfig).exec('default', 'web', 'main', ['sh', '-c', 'echo out; echo err >&2; exit 2'], stdout.stream, stderr.stream, null, false, resolve).catch(reject);
      });

      expect(stdout.text()).toBe('out\n');
      expect(stderr.text()).toBe('err\n');
      expect(status).toEqual({
        metadata: {},
        status: 'Failure',
        message: 'command terminated with non-zero exit code: error executing command [sh -c echo out; echo err >&2; exit 2], exit code 2',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '2' }] },
      });
    });

    it('runs cat on stdin until the client closes it (v5 close message)', async () => {
      const stdout = collect();
      const input = 'first line\nsecond line\n';

      const status = await new Promise<V1Status>((resolve, reject) => {
        new Exec(kubeConfig).exec('default', 'web', 'main', 'cat', stdout.stream, null, Readable.from([input]), false, resolve).catch(reject);
      });

      expect(status).toEqual({ metadata: {}, status: 'Success' });
      expect(stdout.text()).toBe(input);
    });

    it('with a tty, merges stderr into stdout and ends lines with CR LF', async () => {
      const stdout = collect();
      const stderr = collect();

      await new Promise<V1Status>((resolve, reject) => {
        new Exec(kubeConfig).exec('default', 'web', 'main', ['sh', '-c', 'echo one; echo two >&2'], stdout.stream, stderr.stream, null, true, resolve).catch(reject);
      });

      expect(stdout.text()).toBe('one\r\ntwo\r\n');
      expect(stderr.text()).toBe('');
    });
  });

  describe(Attach.name, () => {
    it('echoes stdin back from the main process', async () => {
      const stdout = collect();
      const stdin = new PassThrough();

      const ws = await new Attach(kubeConfig).attach('default', 'web', 'main', stdout.stream, null, stdin, false);
      sockets.push(ws as WebSocket);
      stdin.write('are you there?\n');

      await until(() => stdout.text() === 'are you there?\n');
    });
  });

  describe(PortForward.name, () => {
    it('round-trips bytes to the pod port over v4.channel.k8s.io', async () => {
      const output = collect();
      const errors = collect();
      const input = new PassThrough();

      const ws = (await new PortForward(kubeConfig).portForward('default', 'web', [8080], output.stream, errors.stream, input)) as WebSocket;
      sockets.push(ws);
      input.write('through the pod ');
      input.write('and back');

      await until(() => output.text() === 'through the pod and back');
      expect(ws.protocol).toBe('v4.channel.k8s.io');
      expect(errors.text()).toBe('');
    });

    it('reports a port nothing listens on, on the error channel', async () => {
      const output = collect();
      const errors = collect();

      const ws = (await new PortForward(kubeConfig).portForward('default', 'web', [9999], output.stream, errors.stream, new PassThrough())) as WebSocket;
      sockets.push(ws);

      await until(() => errors.text().includes('failed to connect to localhost:9999'));
    });
  });

  describe('channel protocols', () => {
    it('v4.channel.k8s.io: an empty first frame on stdout, output, then a Status on channel 3', async () => {
      const session = await open('exec?command=echo&command=hi&stdout=true', ['v4.channel.k8s.io']);

      const messages = await session.untilClosed();

      expect(session.ws.protocol).toBe('v4.channel.k8s.io');
      expect(messages).toEqual([
        [1, ''],
        [1, 'hi\n'],
        [3, '{"metadata":{},"status":"Success"}'],
      ]);
    });

    it('base64.channel.k8s.io: text frames, and only a message on failure', async () => {
      const session = await open('exec?command=sh&command=-c&command=exit%205&stdout=true&stderr=true', ['base64.channel.k8s.io']);

      const messages = await session.untilClosed();

      expect(messages).toEqual([
        [1, ''],
        [3, 'command terminated with non-zero exit code: error executing command [sh -c exit 5], exit code 5'],
      ]);
      expect(session.textFrames).toBe(true);
    });

    it('v5.channel.k8s.io: ignores resize messages and ends stdin on the close message', async () => {
      const session = await open('exec?command=cat&stdin=true&stdout=true&tty=true', ['v5.channel.k8s.io']);
      session.ws.send(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":120,"Height":40}')]));
      session.ws.send(Buffer.concat([Buffer.of(0), Buffer.from('typed\r')]));
      session.ws.send(Buffer.of(255, 0));

      const messages = await session.untilClosed();

      // The terminal echoes what is typed, then cat prints the line it received.
      expect(messages.filter(([channel]) => channel === 1).map(([, text]) => text).join('')).toBe('typed\r\ntyped\r\n');
      expect(messages.at(-1)).toEqual([3, '{"metadata":{},"status":"Success"}']);
    });

    it('refuses an upgrade that offers no supported subprotocol with a 400 Status', async () => {
      const refusal = await new Promise<{ status?: number; body: string }>((resolve) => {
        const ws = connectWebSocket('exec?command=true&stdout=true', ['v3.channel.k8s.io']);
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        ws.on('error', () => undefined);
      });

      expect(refusal.status).toBe(400);
      expect(JSON.parse(refusal.body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    });

    it('closePodStreams ends the sessions of that pod only, with exit code 137', async () => {
      const session = await open('exec?command=sleep&command=60&stdout=true', ['v5.channel.k8s.io']);
      await until(() => session.messages.length > 0);

      closePodStreams('default', 'another-pod');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(session.ws.readyState).toBe(WebSocket.OPEN);

      closePodStreams('default', 'web');
      const messages = await session.untilClosed();
      expect(JSON.parse(messages.at(-1)?.[1] ?? '{}')).toMatchObject({ reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '137' }] } });
    });
  });

  function connectWebSocket(pathAndQuery: string, protocols: string[]): WebSocket {
    const ws = new WebSocket(`${harness.server.replace('https', 'wss')}/api/v1/namespaces/default/pods/web/${pathAndQuery}`, protocols, {
      rejectUnauthorized: false,
    });
    sockets.push(ws);
    return ws;
  }

  async function open(pathAndQuery: string, protocols: string[]) {
    const ws = connectWebSocket(pathAndQuery, protocols);
    const messages: Array<[number, string]> = [];
    const state = { textFrames: false };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = data as Buffer;
      if (isBinary) messages.push([bytes[0], bytes.subarray(1).toString()]);
      else {
        state.textFrames = true;
        const text = bytes.toString();
        messages.push([text.charCodeAt(0) - 0x30, Buffer.from(text.slice(1), 'base64').toString()]);
      }
    });
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return {
      ws,
      messages,
      get textFrames() {
        return state.textFrames;
      },
      untilClosed: async () => {
        await closed;
        return messages;
      },
    };
  }
});

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
