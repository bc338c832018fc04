/** The pod a stream is for, as the core server resolves it. */
export interface PodStreamTarget {
  namespace: string;
  pod: string;
  containers: string[];
  env: Record<string, string>;
  /** Container port → where the emulator really connects for port-forward. */
  ports: Record<number, { host: string; port: number }>;
}

export type PodStreamKind = 'exec' | 'attach' | 'portforward';
