/** A port free on 127.0.0.1 right now; tests bind only there. */
export function freePort(): Promise<number>;

/** Whether `port` can be bound on 127.0.0.1 right now. */
export function portIsFree(port: number): Promise<boolean>;

/**
 * The first of `count` consecutive ports free on 127.0.0.1 right now: the local proxy takes its
 * data plane's port and the two above it (tunnel endpoint, relay).
 */
export function freePortRun(count: number): Promise<number>;
