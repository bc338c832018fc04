/**
 * A minimal browser for OIDC tests: follows redirects itself (so it can stop at the client's
 * redirect URI, where nothing listens) and keeps cookies by path as RFC 6265 says, which matters
 * because oidc-provider scopes its interaction cookies to /interaction/<uid> and /auth/<uid>.
 */
export interface Navigation {
  /** The last response: the page shown, or the redirect that reached `stopAt`. */
  readonly status: number;
  readonly url: string;
  readonly body: string;
  /** Set when a redirect led to a URL starting with `stopAt`; that URL was not requested. */
  readonly redirectedTo?: URL;
  /** Every URL requested, in order. */
  readonly visited: readonly string[];
}

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly host: string;
  readonly path: string;
}

const MAX_REDIRECTS = 20;

export class BrowserClient {
  private readonly cookies = new Map<string, StoredCookie>();

  /** GET `url` (or submit `form` there) and follow redirects until a page or `stopAt`. */
  async navigate(url: string | URL, options: { form?: Record<string, string>; stopAt?: string } = {}): Promise<Navigation> {
    const visited: string[] = [];
    let target = new URL(url);
    let form = options.form;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      visited.push(target.href);
      const response = await this.send(target, form);
      const location = response.headers.get('location');
      const body = await response.text();
      if (response.status < 300 || response.status >= 400 || !location) return { status: response.status, url: target.href, body, visited };
      target = new URL(location, target);
      // 302 and 303 turn a POST into a GET, as browsers do.
      form = undefined;
      if (options.stopAt && target.href.startsWith(options.stopAt)) {
        return { status: response.status, url: visited[visited.length - 1] as string, body, redirectedTo: target, visited };
      }
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects: ${visited.join(' -> ')}`);
  }

  /** The names of the cookies the browser would send to `url`. */
  cookieNamesFor(url: string | URL): string[] {
    const target = new URL(url);
    return [...this.cookies.values()].filter((cookie) => matches(cookie, target)).map((cookie) => cookie.name);
  }

  private async send(url: URL, form: Record<string, string> | undefined): Promise<Response> {
    const cookie = [...this.cookies.values()]
      .filter((stored) => matches(stored, url))
      .sort((a, b) => b.path.length - a.path.length)
      .map((stored) => `${stored.name}=${stored.value}`)
      .join('; ');
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const header of response.headers.getSetCookie()) this.store(header, url);
    return response;
  }

  private store(header: string, url: URL): void {
    const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
    const separator = pair.indexOf('=');
    if (separator <= 0) return;
    const name = pair.slice(0, separator);
    const value = pair.slice(separator + 1);
    let path = defaultPath(url.pathname);
    let expired = false;
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
    const key = `${url.hostname} ${path} ${name}`;
    if (expired) this.cookies.delete(key);
    else this.cookies.set(key, { name, value, host: url.hostname, path });
  }
}

function matches(cookie: StoredCookie, url: URL): boolean {
  if (cookie.host !== url.hostname) return false;
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
