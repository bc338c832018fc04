import { connect } from 'node:net';
import type { Duplex, Writable } from 'node:stream';
import type { PodStreamTarget } from './pod-stream-target';

/**
 * Carries one forwarded connection between a client's data stream and the TCP address the
 * emulator maps the pod's port to. Each direction is half-closed on its own, so a request
 * sent and then closed by the client still gets its whole answer. A port with no mapping, or
 * one that refuses the connection, is reported on the error stream in the words a kubelet
 * (containerd) uses, which kubectl prints.
 */
export class PortForwarder {
  constructor(private readonly target: PodStreamTarget) {}

  /** Resolves when the connection is over, whichever side ended it. */
  forward(port: number, data: Duplex, error: Writable): Promise<void> {
    return new Promise((resolve) => {
      const address = this.target.ports[port];
      if (!address) {
        this.fail(port, `dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `, data, error);
        resolve();
        return;
      }
      const socket = connect({ host: address.host, port: address.port });
      let connected = false;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        data.unpipe(socket);
        // Whatever the client still sends has nowhere to go.
        data.resume();
        socket.destroy();
        if (!data.writableEnded) data.end();
        if (!error.writableEnded) error.end();
        resolve();
      };
      socket.once('connect', () => {
        connected = true;
        data.pipe(socket);
        socket.pipe(data);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (connected) return;
        finished = true;
        this.fail(port, `dial tcp4 ${address.host}:${address.port}: connect: ${describe(err)}`, data, error);
        resolve();
      });
      socket.once('close', finish);
      // The client reset the stream, or the whole session went away.
      data.once('close', finish);
    });
  }

  private fail(port: number, dialError: string, data: Duplex, error: Writable): void {
    const pod = `${this.target.namespace}/${this.target.pod}`;
    error.end(`error forwarding port ${port} to pod ${pod}, uid : failed to connect to localhost:${port} inside namespace "${pod}", IPv4: ${dialError}`);
    data.resume();
    data.end();
  }
}

function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ETIMEDOUT') return 'connection timed out';
  return err.message;
}
