import type http from 'node:http';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import { UsageError } from '../errors.js';

/**
 * The proxy settings of the environment, read by `proxy-from-env` as curl and most tools read them:
 * `https_proxy` / `HTTPS_PROXY` for https URLs, `http_proxy` / `HTTP_PROXY` for http URLs, then
 * `all_proxy` / `ALL_PROXY` (lower case first), unless `no_proxy` / `NO_PROXY` names the host. The
 * connection itself is `https-proxy-agent` (a CONNECT tunnel, TLS to the server inside it) for https
 * URLs and `http-proxy-agent` (the whole URL asked of the proxy) for http URLs. The proxy itself is
 * spoken to over http:// or https://.
 */

/** The environment variable a proxy for `url` comes from, for messages. */
function variableFor(url: URL): string {
  const scheme = url.protocol.replace(/:$/, '');
  const names = [`${scheme}_proxy`, `${scheme}_proxy`.toUpperCase(), 'all_proxy', 'ALL_PROXY'];
  return names.find((n) => (process.env[n] ?? '') !== '') ?? `${scheme}_proxy`.toUpperCase();
}

/** The proxy to reach `url` through, or undefined to connect directly. */
export function proxyFor(url: URL): URL | undefined {
  const text = getProxyForUrl(url).trim();
  if (text === '') return undefined;
  const name = variableFor(url);
  let proxy: URL;
  try {
    proxy = new URL(text);
  } catch {
    throw new UsageError(
      'PROXY_INVALID',
      `${name}="${process.env[name] ?? text}" is not a proxy address; expected http://HOST:PORT`,
    );
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new UsageError(
      'PROXY_UNSUPPORTED',
      `${name}="${process.env[name] ?? text}" uses ${proxy.protocol}; qqp reaches proxies over http:// or https:// only`,
      { suggestions: [`set ${name}=http://${proxy.host}`] },
    );
  }
  return proxy;
}

/**
 * An agent that sends a request for `url` through `proxy`. `signal` destroys the connection to the
 * proxy, also while it is still being opened (the CONNECT exchange, before the request has a socket).
 * One agent per request: nothing is pooled, so the connection closes after the response.
 */
export function proxyAgent(url: URL, proxy: URL, signal: AbortSignal): http.Agent {
  return url.protocol === 'https:'
    ? new HttpsProxyAgent(proxy, { signal })
    : new HttpProxyAgent(proxy, { signal });
}
