import http from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { NetworkError, UsageError } from '../errors.js';

/**
 * The proxy settings of the environment, as curl and most tools read them: `https_proxy` /
 * `HTTPS_PROXY` for https URLs, `http_proxy` / `HTTP_PROXY` for http URLs (lower case first), and
 * `no_proxy` / `NO_PROXY`: a comma- or space-separated list of host names (`example.org` also
 * matches its subdomains; a leading `.` or `*.` is the same), IP addresses, each with an optional
 * `:port`, or `*` for every host. http:// proxies only (an https:// proxy is refused, by name).
 */

/** The proxy to reach `url` through, or undefined to connect directly. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const names = url.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
  const name = names.find((n) => (env[n] ?? '').trim() !== '');
  if (name === undefined) return undefined;
  if (bypassed(url, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined;
  const text = env[name]!.trim();
  let proxy: URL;
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new UsageError(
      'PROXY_INVALID',
      `${name}="${text}" is not a proxy address; expected http://HOST:PORT`,
    );
  }
  if (proxy.protocol !== 'http:') {
    throw new UsageError(
      'PROXY_UNSUPPORTED',
      `${name}="${text}" uses ${proxy.protocol}; qqp reaches proxies over http:// only (https URLs still go through it encrypted, by CONNECT)`,
      { suggestions: [`set ${name}=http://${proxy.host}`] },
    );
  }
  return proxy;
}

function defaultPort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

/** True when NO_PROXY names the URL's host (and port, where an entry gives one). */
function bypassed(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = defaultPort(url);
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (m) {
      entry = m[1]!;
      entryPort = m[2];
    }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (proxy.username === '') return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** Where a request for `url` through `proxy` goes: to the proxy, asking for the whole URL. */
export function viaHttpProxy(url: URL, proxy: URL): http.RequestOptions {
  return {
    host: proxy.hostname,
    port: proxy.port || 80,
    path: url.href,
    headers: { host: url.host, ...proxyAuthorization(proxy) },
  };
}

type OnSocket = (err: Error | null, socket?: Duplex) => void;

/**
 * A `createConnection` for https.request that opens a CONNECT tunnel through `proxy` and speaks TLS
 * to the target inside it, so the proxy sees only the host name and port.
 */
export function tunnelThrough(
  proxy: URL,
  target: URL,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): (options: tls.ConnectionOptions, onSocket: OnSocket) => undefined {
  return (options, onSocket) => {
    const authority = `${target.hostname}:${defaultPort(target)}`;
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuthorization(proxy) },
      signal,
    });
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`the proxy ${proxy.host} sent nothing for ${timeoutMs} ms`)),
    );
    req.once('connect', (res, socket) => {
      req.setTimeout(0);
      if (res.statusCode !== 200) {
        socket.destroy();
        const status = `${res.statusCode}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
        onSocket(
          new NetworkError(
            'DOWNLOAD_PROXY_REFUSED',
            `the proxy ${proxy.host} answered ${status} to CONNECT ${authority}; nothing was downloaded`,
            {
              suggestions:
                res.statusCode === 407
                  ? [
                      'the proxy wants credentials: put them in the proxy address, http://USER:PASSWORD@HOST:PORT',
                    ]
                  : ['check HTTPS_PROXY, or add the host to NO_PROXY to connect directly'],
            },
          ),
        );
        return;
      }
      // SNI takes a host name, never an IP address (RFC 6066).
      const servername = isIP(target.hostname.replace(/^\[|\]$/g, '')) ? undefined : target.hostname;
      onSocket(null, tls.connect({ ...options, socket, ...(servername ? { servername } : {}) }));
    });
    req.once('error', (err) => onSocket(err));
    req.end();
    return undefined;
  };
}
