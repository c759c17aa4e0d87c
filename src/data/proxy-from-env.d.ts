// proxy-from-env 2 ships no type declarations; this is its one export, as its README documents it.
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from the environment (`<scheme>_proxy`, `all_proxy`, `no_proxy`), or ''. */
  export function getProxyForUrl(url: string | URL): string;
}
