import { currentEnvironment } from '@portcullis/platform/config';
import fs from 'node:fs';

/**
 * A minimal browser stand-in for HTTP flows across servers: it follows redirects itself (so it can
 * stop at a client's redirect URI, where nothing listens), records every hop, and keeps cookies by
 * path as RFC 6265 says, which matters because oidc-provider scopes its interaction cookies to
 * /interaction/<uid> and /auth/<uid>. Unlike a browser it keeps cookies per host *and port*: in
 * tests every server on the loopback stands for a site of its own. The Secure flag is ignored, as
 * browsers do for loopback.
 */
export interface Hop {
  method: string;
  url: string;
  status: number;
  /** The Set-Cookie headers of this hop, one per line. */
  setCookie: string;
}

export interface BrowserResponse {
  /** The last URL requested: the page shown, or the redirect that reached `stopAt`. */
  url: string;
  status: number;
  headers: Headers;
  body: string;
  /** Set when a redirect led to a URL starting with `stopAt`; that URL was not requested. */
  redirectedTo?: URL;
  /** Every URL this call requested, in order. */
  visited: string[];
}

export interface NavigationOptions {
  headers?: Record<string, string>;
  /** A redirect to a URL starting with this is reported in `redirectedTo` instead of followed. */
  stopAt?: string;
  maxRedirects?: number;
}

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly host: string;
  readonly path: string;
}

export class BrowserClient {
  readonly hops: Hop[] = [];
  private readonly cookies = new Map<string, StoredCookie>();

  /** The value of cookie `name` the browser would send to `url`. */
  cookie(url: string | URL, name: string): string | undefined {
    return this.cookiesFor(new URL(url)).find((cookie) => cookie.name === name)?.value;
  }

  /** The names of the cookies the browser would send to `url`. */
  cookieNamesFor(url: string | URL): string[] {
    return this.cookiesFor(new URL(url)).map((cookie) => cookie.name);
  }

  async get(url: string | URL, options: NavigationOptions = {}): Promise<BrowserResponse> {
    return this.request('GET', url, undefined, options);
  }

  /** Submits a form the way a browser does (urlencoded), following the redirects after it. */
  async submitForm(url: string | URL, fields: Record<string, string>, options: NavigationOptions = {}): Promise<BrowserResponse> {
    const headers = { ...options.headers, 'content-type': 'application/x-www-form-urlencoded' };
    return this.request('POST', url, new URLSearchParams(fields).toString(), { ...options, headers });
  }

  async request(method: string, url: string | URL, body?: string, options: NavigationOptions = {}): Promise<BrowserResponse> {
    const { stopAt, maxRedirects = 20 } = options;
    const visited: string[] = [];
    let target = new URL(url);
    let currentMethod = method;
    let currentBody = body;
    let headers = options.headers ?? {};
    for (let redirects = 0; redirects <= maxRedirects; redirects++) {
      visited.push(target.href);
      const response = await fetch(target, {
        method: currentMethod,
        body: currentBody,
        redirect: 'manual',
        headers: { ...headers, ...this.cookieHeader(target) },
        signal: AbortSignal.timeout(15_000),
      });
      for (const line of response.headers.getSetCookie()) this.store(line, target);
      this.hops.push({ method: currentMethod, url: target.href, status: response.status, setCookie: response.headers.getSetCookie().join('\n') });
      const location = response.headers.get('location');
      const text = await response.text();
      if (response.status < 300 || response.status >= 400 || !location) {
        return { url: target.href, status: response.status, headers: response.headers, body: text, visited };
      }
      const next = new URL(location, target);
      if (stopAt && next.href.startsWith(stopAt)) {
        return { url: target.href, status: response.status, headers: response.headers, body: text, redirectedTo: next, visited };
      }
      target = next;
      // 301, 302 and 303 turn a POST into a GET, as browsers do.
      if (response.status !== 307 && response.status !== 308) {
        currentMethod = 'GET';
        currentBody = undefined;
        headers = {};
      }
    }
    throw new Error(`more than ${maxRedirects} redirects: ${visited.join(' -> ')}`);
  }

  private cookiesFor(url: URL): StoredCookie[] {
    // Longer paths first, as RFC 6265 asks of the Cookie header.
    return [...this.cookies.values()].filter((cookie) => matches(cookie, url)).sort((a, b) => b.path.length - a.path.length);
  }

  private cookieHeader(url: URL): Record<string, string> {
    const cookies = this.cookiesFor(url);
    return cookies.length === 0 ? {} : { cookie: cookies.map(({ name, value }) => `${name}=${value}`).join('; ') };
  }

  private store(header: string, url: URL): void {
    const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
    const separator = pair.indexOf('=');
    if (separator <= 0) return;
    const name = pair.slice(0, separator);
    const value = pair.slice(separator + 1);
    let path = defaultPath(url.pathname);
    let expired = value === '';
    for (const attribute of attributes) {
      const [key = '', ...rest] = attribute.split('=');
      const attributeValue = rest.join('=');
      switch (key.toLowerCase()) {
        case 'path':
          if (attributeValue.startsWith('/')) path = attributeValue;
          break;
        case 'expires':
          expired ||= Date.parse(attributeValue) <= Date.now();
          break;
        case 'max-age':
          expired ||= Number(attributeValue) <= 0;
          break;
      }
    }
    const key = `${url.host} ${path} ${name}`;
    if (expired) this.cookies.delete(key);
    else this.cookies.set(key, { name, value, host: url.host, path });
  }
}

function matches(cookie: StoredCookie, url: URL): boolean {
  if (cookie.host !== url.host) return false;
  const path = url.pathname;
  return path === cookie.path || (path.startsWith(cookie.path) && (cookie.path.endsWith('/') || path[cookie.path.length] === '/'));
}

function defaultPath(pathname: string): string {
  const lastSlash = pathname.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : pathname.slice(0, lastSlash);
}

/** The action and the named inputs (with their values) of the page's first form. */
export function formOf(html: string, baseUrl: string): { action: URL; fields: Record<string, string> } {
  const form = /<form\b[^>]*>[\s\S]*?<\/form>/i.exec(html)?.[0];
  if (!form) throw new Error(`no form on the page:\n${html}`);
  const action = /\baction="([^"]*)"/i.exec(form)?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const input of form.match(/<input\b[^>]*>/gi) ?? []) {
    const name = /\bname="([^"]*)"/i.exec(input)?.[1];
    if (name) fields[name] = decodeEntities(/\bvalue="([^"]*)"/i.exec(input)?.[1] ?? '');
  }
  return { action: new URL(decodeEntities(action), baseUrl), fields };
}

function decodeEntities(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Debian's Chromium for browser tests: CHROMIUM_PATH (set by `npm test`) or the usual path. */
/**
 * Headless Chromium's flags here: no sandbox (tests may run as root), and none of its own
 * network traffic, which this machine's closed network would refuse many times at every start.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function chromiumPath(): string | null {
  const fromEnv = currentEnvironment()['CHROMIUM_PATH'];
  if (fromEnv && fs.existsSync(fromEnv)) return fromEnv;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((candidate) => fs.existsSync(candidate)) ?? null;
}
