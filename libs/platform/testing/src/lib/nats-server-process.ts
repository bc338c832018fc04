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

/** What a test's broker asks of its clients; nothing by default, like the local stack's. */
export interface NatsServerOptions {
  /** Clients log in with this user and password (--user, --pass). */
  user?: { name: string; password: string };
  /** Clients present this token (--auth). */
  token?: string;
  /** Serves TLS with this certificate and key (--tls), asking clients for none. */
  tls?: { certFile: string; keyFile: string };
  /** A configuration file for what has no flag, e.g. operator mode's operator and accounts. */
  configFile?: string;
}

/**
 * A private nats-server with JetStream for tests that stop and restart the broker, or need one
 * that asks for credentials or TLS. It keeps its port and store across restarts, like a real
 * broker coming back.
 */
export class NatsServerProcess {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly storeDir: string,
    private readonly options: NatsServerOptions,
  ) {}

  static async start(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
    const server = new NatsServerProcess(await freePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-nats-')), options);
    await server.resume().catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.child = spawn(findNatsServer(), this.commandLine(), { stdio: 'ignore' });
    // A server that never listens (a bad option) is not left running behind a failed test.
    await waitFor(() => accepts(this.port), `nats-server on port ${this.port}`, 10_000).catch(async (error: unknown) => {
      await this.halt();
      throw error;
    });
  }

  private commandLine(): string[] {
    const { user, token, tls, configFile } = this.options;
    return [
      // Flags override the file, so the port and the store stay this process's.
      ...(configFile ? ['-c', configFile] : []),
      ...['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir],
      ...(user ? ['--user', user.name, '--pass', user.password] : []),
      ...(token ? ['--auth', token] : []),
      ...(tls ? ['--tls', '--tlscert', tls.certFile, '--tlskey', tls.keyFile] : []),
    ];
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
