import { freePort, workspaceRoot } from '@portcullis/platform/testing';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

// hadolint is not packaged for Debian; where it is on the PATH it checks the file too. The rules
// below hold either way: they are this project's, not only hadolint's.
const dockerfilePath = path.join(workspaceRoot, 'docker', 'service.Dockerfile');
const hadolint = spawnSync('hadolint', ['--version'], { encoding: 'utf8' });
const itWithHadolint = hadolint.status === 0 ? it : it.skip;

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined and comments dropped, one list per stage. */
function stages(): Instruction[][] {
  const text = fs.readFileSync(dockerfilePath, 'utf8');
  const lines = text.split('\n').filter((line) => !line.trimStart().startsWith('#'));
  const instructions = lines
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [, keyword, args] = /^\s*(\S+)\s*(.*)$/.exec(line) ?? [];
      return { keyword: keyword.toUpperCase(), args: args.trim() };
    });
  const result: Instruction[][] = [[]];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') result.push([]);
    result[result.length - 1].push(instruction);
  }
  return result;
}

/** The JSON array of an exec-form CMD (a shell form is no array and fails to parse). */
function execForm(args: string): string[] {
  return JSON.parse(args) as string[];
}

describe('docker/service.Dockerfile', () => {
  const [preamble, ...built] = stages();
  const final = built[built.length - 1];
  const all = [...preamble, ...built.flat()];
  const finalOf = (keyword: string) => final.filter((instruction) => instruction.keyword === keyword);

  it('builds on an exact Node.js version in one stage and ships from another', () => {
    const base = preamble.find((instruction) => instruction.keyword === 'ARG' && instruction.args.startsWith('NODE_IMAGE='))?.args.split('=')[1];
    expect(base).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/);
    expect(built.map((stage) => stage[0].args)).toEqual(['${NODE_IMAGE} AS build', '${NODE_IMAGE}']);
    expect(all.filter((instruction) => /(^|[:\s])latest\b/.test(instruction.args))).toEqual([]);
  });

  it('installs from the lockfile and fetches nothing else', () => {
    const npmRuns = all.filter((instruction) => instruction.keyword === 'RUN' && /\bnpm\b/.test(instruction.args)).map((instruction) => instruction.args);
    expect(npmRuns.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    expect(npmRuns.filter((run) => /\bnpm (install|i|add)\b/.test(run))).toEqual([]);
    // ADD would fetch URLs and unpack archives; COPY does neither.
    expect(all.filter((instruction) => instruction.keyword === 'ADD')).toEqual([]);
  });

  it('ships only node_modules and the compiled app, runs as a non-root user, and runs nothing while building it', () => {
    expect(finalOf('COPY').map((instruction) => instruction.args)).toEqual(['--from=build /src/node_modules ./node_modules', '--from=build /src/dist/apps/${APP} ./']);
    expect(finalOf('RUN')).toEqual([]);
    const [user] = finalOf('USER').map((instruction) => instruction.args);
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(final.findIndex((instruction) => instruction.keyword === 'USER')).toBeLessThan(final.findIndex((instruction) => instruction.keyword === 'CMD'));
    expect(execForm(finalOf('CMD')[0].args)).toEqual(['node', 'main.js']);
  });

  it('listens, exposes and is checked on the port k8s/base configures', () => {
    const env = finalOf('ENV').map((instruction) => instruction.args).join(' ');
    const port = /\bHTTP_PORT=(\d+)/.exec(env)?.[1];
    expect(finalOf('EXPOSE').map((instruction) => instruction.args)).toEqual([port]);
    const baseDir = path.join(workspaceRoot, 'k8s', 'base');
    const configured = fs.readdirSync(baseDir).flatMap((service) => {
      const kustomization = parse(fs.readFileSync(path.join(baseDir, service, 'kustomization.yaml'), 'utf8')) as { configMapGenerator?: Array<{ literals?: string[] }> };
      return (kustomization.configMapGenerator ?? []).flatMap((generator) => generator.literals ?? []).filter((literal) => literal.startsWith('HTTP_PORT='));
    });
    expect(new Set(configured)).toEqual(new Set([`HTTP_PORT=${port}`]));
  });

  it('checks health with the script the build ships, in exec form', () => {
    const [healthcheck] = finalOf('HEALTHCHECK').map((instruction) => instruction.args);
    const [, options, command] = /^((?:--\S+\s+)*)CMD\s+(.*)$/.exec(healthcheck) ?? [];
    expect(execForm(command)).toEqual(['node', 'healthcheck.js']);
    // Docker's timeout above the script's own 2 s, so the script reports a hung service itself.
    expect(Number(/--timeout=(\d+)s/.exec(options)?.[1])).toBeGreaterThan(2);
  });

  itWithHadolint('passes hadolint', () => {
    const result = spawnSync('hadolint', [dockerfilePath], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('healthcheck.js', () => {
  let built: string;
  const servers: http.Server[] = [];

  /** A server on a free loopback port that answers as `handler` does. */
  async function serve(handler: http.RequestListener): Promise<number> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /** Runs the shipped script as the image's HEALTHCHECK does, with only HTTP_PORT set. */
  async function check(port: number | undefined): Promise<{ code: number; stderr: string }> {
    const env = { PATH: process.env['PATH'] ?? '', ...(port === undefined ? {} : { HTTP_PORT: String(port) }) };
    try {
      const { stderr } = await promisify(execFile)(process.execPath, ['healthcheck.js'], { cwd: built, env });
      return { code: 0, stderr };
    } catch (error) {
      const failed = error as { code: number; stderr: string };
      return { code: failed.code, stderr: failed.stderr };
    }
  }

  beforeAll(async () => {
    // The file the image runs is the one build-app.mjs puts beside main.js; run that one.
    built = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'healthcheck-')), 'app');
    await promisify(execFile)(process.execPath, [path.join(workspaceRoot, 'tools', 'build', 'build-app.mjs'), 'cluster-agent', '--out-dir', built]);
  });

  afterAll(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    fs.rmSync(path.dirname(built), { recursive: true, force: true });
  });

  it('exits 0 when /healthz answers 200', async () => {
    const port = await serve((request, response) => response.writeHead(request.url === '/healthz' ? 200 : 404).end());

    expect(await check(port)).toEqual({ code: 0, stderr: '' });
  });

  it('exits 1 when /healthz answers anything else', async () => {
    const port = await serve((_request, response) => response.writeHead(503).end());

    expect(await check(port)).toEqual({ code: 1, stderr: 'healthcheck: /healthz answered 503\n' });
  });

  it('exits 1 when nothing listens on the port', async () => {
    const port = await freePort();

    expect(await check(port)).toEqual({ code: 1, stderr: `healthcheck: connect ECONNREFUSED 127.0.0.1:${port}\n` });
  });

  it('exits 1 within its timeout when the service accepts and never answers', async () => {
    const port = await serve(() => undefined);

    const started = Date.now();
    expect(await check(port)).toEqual({ code: 1, stderr: 'healthcheck: no answer within 2000 ms\n' });
    expect(Date.now() - started).toBeLessThan(5_000); // Docker's --timeout
  });

  it('exits 1 naming HTTP_PORT when it is not set', async () => {
    expect(await check(undefined)).toEqual({ code: 1, stderr: 'healthcheck: HTTP_PORT is not a port (unset)\n' });
  });
});
