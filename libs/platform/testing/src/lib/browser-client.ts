import { currentEnvironment } from '@portcullis/platform/config';
import fs from 'node:fs';

/**
 * A minimal browser stand-in for HTTP flows across servers: it keeps cookies per host (ignoring
 * the Secure flag, as browsers do for loopback), follows redirects, and records every hop.
 */
export interface Hop {
  method: string;
  url: string;
  status: number;
  /** The Set-Cookie headers of this hop, one per line. */
  setCookie: string;
}

export interface BrowserResponse {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

export class BrowserClient {
  readonly hops: Hop[] = [];
  private readonly cookies = new Map<string, Map<string, string>>();

  cookie(url: string, name: string): string | undefined {
    return this.cookies.get(new URL(url).host)?.get(name);
  }

  setCookie(url: string, name: string, value: string): void {
    const host = new URL(url).host;
    if (!this.cookies.has(host)) this.cookies.set(host, new Map());
    this.cookies.get(host)?.set(name, value);
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    return this.request('GET', url, undefined, headers);
  }

  /** Submits a form the way a browser does (urlencoded), following the redirects after it. */
  async submitForm(url: string, fields: Record<string, string>): Promise<BrowserResponse> {
    return this.request('POST', url, new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
  }

  async request(method: string, url: string, body?: string, headers: Record<string, string> = {}, maxRedirects = 20): Promise<BrowserResponse> {
    let currentUrl = url;
    let currentMethod = method;
    let currentBody = body;
    for (let redirects = 0; redirects <= maxRedirects; redirects++) {
      const response = await fetch(currentUrl, {
        method: currentMethod,
        body: currentBody,
        redirect: 'manual',
        headers: { ...headers, ...this.cookieHeader(currentUrl) },
        signal: AbortSignal.timeout(15_000),
      });
      this.storeCookies(currentUrl, response.headers);
      this.hops.push({ method: currentMethod, url: currentUrl, status: response.status, setCookie: response.headers.getSetCookie().join('\n') });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        currentUrl = new URL(location, currentUrl).toString();
        if (response.status !== 307 && response.status !== 308) {
          currentMethod = 'GET';
          currentBody = undefined;
          headers = {};
        }
        continue;
      }
      return { url: currentUrl, status: response.status, headers: response.headers, body: await response.text() };
    }
    throw new Error(`more than ${maxRedirects} redirects from ${url}`);
  }

  private cookieHeader(url: string): Record<string, string> {
    const jar = this.cookies.get(new URL(url).host);
    if (!jar || jar.size === 0) return {};
    return { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  private storeCookies(url: string, headers: Headers): void {
    const host = new URL(url).host;
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && new Date(a.split('=')[1]).getTime() < Date.now()));
      if (!this.cookies.has(host)) this.cookies.set(host, new Map());
      const jar = this.cookies.get(host);
      if (expired || value === '') jar?.delete(name);
      else jar?.set(name, value);
    }
  }
}

/** Debian's Chromium for browser tests: CHROMIUM_PATH (set by `npm test`) or the usual path. */
export function chromiumPath(): string | null {
  const fromEnv = currentEnvironment()['CHROMIUM_PATH'];
  if (fromEnv && fs.existsSync(fromEnv)) return fromEnv;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((candidate) => fs.existsSync(candidate)) ?? null;
}
