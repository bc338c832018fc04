import type { Clock } from '../clock';
import type { ObjectStore } from '../store/object-store';

// Container logs. Nothing runs in the emulator's pods, so lines come from tests (appendPodLog) or the
// seed. A `follow` reader receives lines as they are appended and ends when its pod is deleted.

interface LogLine {
  timeMs: number;
  text: string;
}

export interface LogReadOptions {
  tailLines?: number;
  sinceTimeMs?: number;
  timestamps: boolean;
  limitBytes?: number;
}

type Follower = { onLine: (formatted: string) => void; onEnd: () => void; timestamps: boolean };

export class PodLogStore {
  private readonly lines = new Map<string, LogLine[]>();
  private readonly followers = new Map<string, Set<Follower>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
  ) {}

  attach(): void {
    this.store.onChange((event) => {
      if (event.storageKey !== '/pods' || event.type !== 'DELETED') return;
      const prefix = `${event.object.namespace}/${event.object.name}/`;
      for (const key of [...this.lines.keys()]) if (key.startsWith(prefix)) this.lines.delete(key);
      for (const [key, set] of [...this.followers]) {
        if (!key.startsWith(prefix)) continue;
        this.followers.delete(key);
        for (const f of set) f.onEnd();
      }
    });
  }

  append(namespace: string, pod: string, container: string, text: string): void {
    const key = `${namespace}/${pod}/${container}`;
    let lines = this.lines.get(key);
    if (!lines) {
      lines = [];
      this.lines.set(key, lines);
    }
    for (const part of text.replace(/\n$/, '').split('\n')) {
      const line = { timeMs: this.clock.now(), text: part };
      lines.push(line);
      for (const f of this.followers.get(key) ?? []) f.onLine(format(line, f.timestamps));
    }
  }

  read(namespace: string, pod: string, container: string, options: LogReadOptions): string {
    let lines = this.lines.get(`${namespace}/${pod}/${container}`) ?? [];
    if (options.sinceTimeMs !== undefined) lines = lines.filter((l) => l.timeMs >= options.sinceTimeMs!);
    if (options.tailLines !== undefined) lines = options.tailLines === 0 ? [] : lines.slice(-options.tailLines);
    const text = lines.map((l) => format(l, options.timestamps)).join('');
    return options.limitBytes !== undefined ? Buffer.from(text).subarray(0, options.limitBytes).toString('utf8') : text;
  }

  follow(namespace: string, pod: string, container: string, follower: Follower): () => void {
    const key = `${namespace}/${pod}/${container}`;
    let set = this.followers.get(key);
    if (!set) {
      set = new Set();
      this.followers.set(key, set);
    }
    set.add(follower);
    return () => set.delete(follower);
  }

  /** Ends every follow stream (server shutdown). */
  endAll(): void {
    for (const set of this.followers.values()) for (const f of set) f.onEnd();
    this.followers.clear();
  }
}

/** `<RFC 3339 with nanoseconds> <line>` as the kubelet prefixes lines for `timestamps=true`. */
function format(line: LogLine, timestamps: boolean): string {
  if (!timestamps) return `${line.text}\n`;
  const iso = new Date(line.timeMs).toISOString().replace(/Z$/, '000000Z');
  return `${iso} ${line.text}\n`;
}
