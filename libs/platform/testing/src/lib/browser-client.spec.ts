import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { BrowserClient } from './browser-client';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(routes: Record<string, Route>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (route) route(req, res);
    else res.writeHead(200).end(`cookie: ${req.headers.cookie ?? ''}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe(BrowserClient.name, () => {
  let site: { server: Server; url: string };
  let other: { server: Server; url: string };

  beforeAll(async () => {
    site = await serve({
      '/auth/start': (_req, res) =>
        res
          .writeHead(302, {
            location: '/auth/callback?code=1',
            'set-cookie': ['scoped=a; Path=/auth; HttpOnly', 'everywhere=b=c; Path=/', 'defaulted=d'],
          })
          .end(),
      '/logout': (_req, res) => res.writeHead(302, { location: 'https://rp.invalid/done?state=bye', 'set-cookie': 'everywhere=; Max-Age=0; Path=/' }).end(),
      '/form': (req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => res.writeHead(303, { location: `/echo?${body}` }).end());
      },
    });
    other = await serve({});
  });

  afterAll(() => {
    site.server.close();
    other.server.close();
  });

  it('keeps cookies by path, as RFC 6265 says, and per host and port', async () => {
    const sut = new BrowserClient();

    const landed = await sut.get(`${site.url}/auth/start`);

    expect(landed.visited).toEqual([`${site.url}/auth/start`, `${site.url}/auth/callback?code=1`]);
    // `defaulted` has no Path, so it gets the request's directory, /auth; longer paths go first.
    expect(landed.body).toBe('cookie: scoped=a; defaulted=d; everywhere=b=c');
    expect(sut.cookieNamesFor(`${site.url}/api/me`)).toEqual(['everywhere']);
    expect(sut.cookie(site.url, 'everywhere')).toBe('b=c');
    expect(sut.cookie(`${site.url}/authority`, 'scoped')).toBeUndefined();
    expect((await sut.get(`${other.url}/auth/x`)).body).toBe('cookie: ');
  });

  it('stops at a redirect to `stopAt` without requesting it, having applied its cookies', async () => {
    const sut = new BrowserClient();
    await sut.get(`${site.url}/auth/start`);

    const out = await sut.get(`${site.url}/logout`, { stopAt: 'https://rp.invalid/' });

    expect(out.redirectedTo?.searchParams.get('state')).toBe('bye');
    expect(out.url).toBe(`${site.url}/logout`);
    expect(sut.cookie(site.url, 'everywhere')).toBeUndefined();
  });

  it('submits a form urlencoded and follows a 303 with a GET', async () => {
    const sut = new BrowserClient();

    const answer = await sut.submitForm(`${site.url}/form`, { username: 'alice', next: '/a b' });

    expect(answer.url).toBe(`${site.url}/echo?username=alice&next=%2Fa+b`);
    expect(sut.hops.map((hop) => `${hop.method} ${hop.status}`)).toEqual(['POST 303', 'GET 200']);
  });
});
