import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.mjs';
import { waitFor } from './wait-for';
import net from 'node:net';

function findNatsServer(): string {
  const found = spawnSync('sh', ['-c', 'command -v nats-server || ls /usr/sbin/nats-server'], { encoding: 'utf8' });
  const binary = found.stdout.trim().split('\n')[0];
  if (found.status !== 0 || !binary) throw new Error('nats-server not found on the PATH (Debian: apt-get install nats-server)');
  return binary;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A private nats-server with JetStream for tests that stop and restart the broker. It keeps
 * its port and store across restarts, like a real broker coming back.
 */
export class NatsServerProcess {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly storeDir: string,
  ) {}

  static async start(): Promise<NatsServerProcess> {
    const server = new NatsServerProcess(await freePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-nats-')));
    await server.resume();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.child = spawn(findNatsServer(), ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], { stdio: 'ignore' });
    await waitFor(() => accepts(this.port), `nats-server on port ${this.port}`, 10_000);
  }

  async halt(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.halt();
    fs.rmSync(this.storeDir, { recursive: true, force: true });
  }
}
