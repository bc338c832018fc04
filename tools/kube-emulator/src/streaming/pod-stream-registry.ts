/** An open exec, attach or port-forward, as the registry needs to see it. */
export interface OpenPodStream {
  readonly namespace: string;
  readonly pod: string;
  /** Settles once the connection is gone. */
  readonly closed: Promise<void>;
  /** Ends the stream as the kubelet does when the pod goes away; must not throw. */
  terminate(): void;
}

/** Every open pod stream, so they end with their pod or with the emulator. */
export class PodStreamRegistry {
  private readonly streams = new Set<OpenPodStream>();

  track(stream: OpenPodStream): void {
    this.streams.add(stream);
    void stream.closed.then(() => this.streams.delete(stream));
  }

  closePod(namespace: string, pod: string): void {
    for (const stream of [...this.streams]) {
      if (stream.namespace === namespace && stream.pod === pod) this.terminate(stream);
    }
  }

  closeAll(): void {
    for (const stream of [...this.streams]) this.terminate(stream);
  }

  private terminate(stream: OpenPodStream): void {
    this.streams.delete(stream);
    stream.terminate();
  }
}
