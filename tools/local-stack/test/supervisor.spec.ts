import { freePort, waitFor } from '@portcullis/platform/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Backoff, Clock, ProcessSupervisor, SupervisedProcess } from '../supervisor.mjs';

// A child like the stack's: an HTTP server on a fixed port that says when it listens. With
// CRASH_FILE present it exits at once (a crash loop); with IGNORE_SIGTERM it must be killed.
const CHILD = `
const fs = require('node:fs');
const http = require('node:http');
if (process.env.CRASH_FILE && fs.existsSync(process.env.CRASH_FILE)) process.exit(3);
if (process.env.IGNORE_SIGTERM) process.on('SIGTERM', () => undefined);
http.createServer((req, res) => res.end(String(process.pid))).listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.error('stderr of pid ' + process.pid);
  console.log('ready pid ' + process.pid);
});
`;

const GRACE_MS = 10_000;

/** Time that moves only when the test says, so backoffs of seconds take none. */
class ManualClock implements Clock {
  private time = 0;
  private readonly timers = new Set<{ at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { at: this.time + ms, callback };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(timer: unknown): void {
    this.timers.delete(timer as { at: number; callback: () => void });
  }

  advance(ms: number): void {
    this.time += ms;
    for (const timer of [...this.timers].sort((a, b) => a.at - b.at)) {
      if (timer.at <= this.time && this.timers.delete(timer)) timer.callback();
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidOf(supervised: SupervisedProcess): number {
  if (supervised.pid === undefined) throw new Error(`${supervised.name} is not running`);
  return supervised.pid;
}

async function answers(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`)).text();
}

describe(ProcessSupervisor.name, () => {
  let dir: string;
  let clock: ManualClock;
  let lines: string[];
  let supervisors: ProcessSupervisor[];

  function supervise(backoff?: Backoff): ProcessSupervisor {
    const supervisor = new ProcessSupervisor({ clock, log: (line) => lines.push(line), stopGraceMs: GRACE_MS, ...(backoff ? { backoff } : {}) });
    supervisors.push(supervisor);
    return supervisor;
  }

  async function serve(sut: ProcessSupervisor, name: string, env: Record<string, string> = {}): Promise<{ supervised: SupervisedProcess; port: number }> {
    const port = await freePort();
    const supervised = sut.start({
      name,
      command: process.execPath,
      args: ['-e', CHILD],
      cwd: dir,
      env: { ...process.env, PORT: String(port), ...env },
      logFile: path.join(dir, `${name}.log`),
      readyLine: /^ready pid (\d+)$/m,
    });
    return { supervised, port };
  }

  const logOf = (name: string) => fs.readFileSync(path.join(dir, `${name}.log`), 'utf8');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supervisor-'));
    clock = new ManualClock();
    lines = [];
    supervisors = [];
  });

  afterEach(async () => {
    const stopped = Promise.all(supervisors.map((supervisor) => supervisor.stop()));
    clock.advance(GRACE_MS);
    await stopped;
    // Should a test fail before stopping, nothing it started outlives it: every run logged its pid.
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.log'))) {
      for (const [, pid] of fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/^ready pid (\d+)$/gm)) {
        if (alive(Number(pid))) process.kill(Number(pid), 'SIGKILL');
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('restarts a child killed with SIGKILL after the first backoff step, says so, and appends the new run to the same log', async () => {
    const sut = supervise();
    const audit = await serve(sut, 'audit');
    const proxy = await serve(sut, 'proxy');
    await Promise.all([audit.supervised.ready, proxy.supervised.ready]);
    const [firstPid, proxyPid] = [pidOf(audit.supervised), pidOf(proxy.supervised)];

    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => lines.length === 1, 'the line saying audit exited');
    expect(lines).toEqual(['audit exited (signal SIGKILL); restarting in 1 s (restart 1) — log: audit.log']);
    clock.advance(999);
    expect(audit.supervised.pid).toBeUndefined();
    clock.advance(1);
    await waitFor(() => lines.length === 2, 'the line saying audit is back');

    const secondPid = pidOf(audit.supervised);
    expect(secondPid).not.toBe(firstPid);
    expect(lines[1]).toBe(`audit is back (pid ${secondPid})`);
    expect(audit.supervised.restarts).toBe(1);
    expect(await answers(audit.port)).toBe(String(secondPid));
    expect(proxy.supervised.pid).toBe(proxyPid);
    expect(await answers(proxy.port)).toBe(String(proxyPid));
    const log = logOf('audit');
    expect(log.match(/^ready pid \d+$/gm)).toEqual([`ready pid ${firstPid}`, `ready pid ${secondPid}`]);
    expect(log.match(/^stderr of pid \d+$/gm)).toEqual([`stderr of pid ${firstPid}`, `stderr of pid ${secondPid}`]);
  });

  it('doubles the delay while a child keeps crashing, up to the cap, starts over after a stable run, and leaves the others alone', async () => {
    const sut = supervise({ initialMs: 1_000, maxMs: 4_000, resetAfterMs: 10_000 });
    const crashFile = path.join(dir, 'crash');
    const flaky = await serve(sut, 'flaky', { CRASH_FILE: crashFile });
    const steady = await serve(sut, 'steady');
    await Promise.all([flaky.supervised.ready, steady.supervised.ready]);
    const steadyPid = pidOf(steady.supervised);

    fs.writeFileSync(crashFile, '');
    process.kill(pidOf(flaky.supervised), 'SIGKILL');
    for (const [restart, delaySeconds] of [1, 2, 4, 4].entries()) {
      await waitFor(() => lines.length === restart + 1, `exit ${restart + 1} of flaky`);
      // After the fourth exit the crash file goes first, so the next run stays up.
      if (restart === 3) fs.rmSync(crashFile);
      clock.advance(delaySeconds * 1000);
    }
    await waitFor(() => lines.length === 5, 'the line saying flaky is back');
    expect(lines).toEqual([
      'flaky exited (signal SIGKILL); restarting in 1 s (restart 1) — log: flaky.log',
      'flaky exited (code 3); restarting in 2 s (restart 2) — log: flaky.log',
      'flaky exited (code 3); restarting in 4 s (restart 3) — log: flaky.log',
      'flaky exited (code 3); restarting in 4 s (restart 4) — log: flaky.log',
      `flaky is back (pid ${pidOf(flaky.supervised)})`,
    ]);
    expect(steady.supervised.pid).toBe(steadyPid);
    expect(await answers(steady.port)).toBe(String(steadyPid));

    clock.advance(10_000);
    process.kill(pidOf(flaky.supervised), 'SIGKILL');
    await waitFor(() => lines.length === 6, 'exit 5 of flaky');
    expect(lines[5]).toBe('flaky exited (signal SIGKILL); restarting in 1 s (restart 5) — log: flaky.log');
    expect(steady.supervised.pid).toBe(steadyPid);
  });

  it('stop() ends every child, SIGKILLs one that ignores SIGTERM after the grace period, and restarts nothing', async () => {
    const sut = supervise();
    const plain = await serve(sut, 'plain');
    const stubborn = await serve(sut, 'stubborn', { IGNORE_SIGTERM: '1' });
    const crashed = await serve(sut, 'crashed');
    await Promise.all([plain.supervised.ready, stubborn.supervised.ready, crashed.supervised.ready]);
    const pids = [pidOf(plain.supervised), pidOf(stubborn.supervised), pidOf(crashed.supervised)];
    process.kill(pids[2], 'SIGKILL');
    await waitFor(() => lines.length === 1, 'the line saying crashed exited');

    const stopped = sut.stop();
    await waitFor(() => !alive(pids[0]), 'plain to end on SIGTERM');
    expect(alive(pids[1])).toBe(true);
    clock.advance(GRACE_MS);
    await stopped;

    expect(pids.filter(alive)).toEqual([]);
    clock.advance(60_000);
    expect([plain, stubborn, crashed].map(({ supervised }) => supervised.pid)).toEqual([undefined, undefined, undefined]);
    expect(lines).toEqual(['crashed exited (signal SIGKILL); restarting in 1 s (restart 1) — log: crashed.log']);
    expect(() => sut.start({ name: 'late', command: process.execPath, args: ['-e', ''], logFile: path.join(dir, 'late.log') })).toThrow(/stopping/);
  });
});
