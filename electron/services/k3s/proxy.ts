/**
 * Which proxy, if any, a k3s download goes through, from the environment as curl and Go read it,
 * and the undici dispatcher that does so (Node's own fetch ignores these variables).
 *
 * - An https URL goes through `https_proxy`/`HTTPS_PROXY`, an http URL through `http_proxy`/
 *   `HTTP_PROXY`; neither falls back to the other (Go: golang.org/x/net/http/httpproxy, proxyForURL;
 *   curl: libcurl-env(3), "[scheme]_proxy"). The lower-case name wins when both are set, as curl's
 *   man page says ("The lower case version has precedence"); an empty value counts as unset (Go's
 *   getEnvAny). Upper-case HTTP_PROXY is honoured as Go honours it outside CGI (curl reads only the
 *   lower-case one because a CGI request can set it; this is no CGI program).
 * - A value without a scheme is `http://` (Go's parseProxy); `http://user:pass@host:port` sends Basic
 *   proxy credentials, which are never shown: messages name the proxy by `shown`.
 * - `no_proxy`/`NO_PROXY`, with Go's grammar (httpproxy's Config.NoProxy): comma-separated `*` (no
 *   proxy at all), IP addresses, CIDR blocks (curl too since 7.86.0, CURLOPT_NOPROXY(3)), domain
 *   names matching themselves and their subdomains, `.domain`/`*.domain` matching subdomains only,
 *   each optionally with `:port`.
 * - Loopback is proxied unless no_proxy names it, as curl does (Go never proxies localhost): a mirror
 *   on this machine behind a proxy needs `no_proxy=localhost,127.0.0.1`, the usual setting.
 * - Only http and https proxies: `socks5://` and other schemes are refused with a message.
 */
import { BlockList, isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { AppError } from '../../../shared/errors';

export interface ProxyChoice {
  /** The proxy's URL, credentials included: for the dispatcher only. */
  url: URL;
  /** The proxy as a person may see it: scheme, host and port, never credentials. */
  shown: string;
  /** The environment variable it came from. */
  variable: string;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The proxy for `target` under `env`, or null for a direct connection. */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv): ProxyChoice | null {
  const scheme = target.protocol === 'https:' ? 'https' : target.protocol === 'http:' ? 'http' : null;
  if (!scheme) return null;
  const variable = [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`].find((name) => env[name]);
  if (!variable) return null;
  if (bypassed(target, env.no_proxy || env.NO_PROXY || '')) return null;
  const url = parseProxy(env[variable]!, variable);
  return { url, shown: `${url.protocol}//${url.host}`, variable };
}

function parseProxy(value: string, variable: string): URL {
  const parse = (text: string) => {
    try {
      return new URL(text);
    } catch {
      return null;
    }
  };
  // `proxy:3128` would parse as the scheme `proxy:`: a value without `://` is `host[:port]` (Go's parseProxy).
  const url = parse(value.includes('://') ? value : `http://${value}`);
  if (!url || !url.hostname)
    throw new AppError('invalid_input', `${variable} is not a proxy URL.`, {
      hint: `Set ${variable} to http://HOST:PORT (or http://USER:PASSWORD@HOST:PORT), or unset it.`,
    });
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError(
      'unsupported',
      `${variable} names a ${url.protocol.slice(0, -1)} proxy; k3s downloads go only through an HTTP or HTTPS proxy.`,
      {
        hint: `Set ${variable} to your HTTP proxy (http://HOST:PORT), or point CLUSTER_LAB_K3S_RELEASES at a mirror you can reach.`,
      },
    );
  return url;
}

/** Whether no_proxy exempts `target` (Go's httpproxy useProxy and its matchers, without the loopback rule). */
export function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = target.port || DEFAULT_PORTS[target.protocol] || '';
  const family = isIP(host);
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
      const kind = isIP(cidr[1]!);
      if (kind && kind === family) {
        const block = new BlockList();
        const type = kind === 4 ? 'ipv4' : 'ipv6';
        try {
          block.addSubnet(cidr[1]!, Number(cidr[2]), type);
        } catch {
          continue; // a prefix longer than the address: Go's ParseCIDR fails and the entry is ignored
        }
        if (block.check(host, type)) return true;
      }
      continue;
    }
    const split = /^\[(.+)\]:(\d+)$/.exec(entry) ?? (entry.split(':').length === 2 ? /^(.+):(\d+)$/.exec(entry) : null);
    const entryHost = split ? split[1]! : entry;
    const entryPort = split ? split[2]! : '';
    if (entryPort && entryPort !== port) continue;
    if (isIP(entryHost)) {
      if (family && sameAddress(entryHost, host)) return true;
      continue;
    }
    const subdomainsOnly = entryHost.startsWith('.') || entryHost.startsWith('*.');
    const domain = domainToASCII(entryHost.replace(/^\*?\./, '')) || entryHost.replace(/^\*?\./, '');
    if (host.endsWith(`.${domain}`) || (!subdomainsOnly && host === domain)) return true;
  }
  return false;
}

function sameAddress(a: string, b: string): boolean {
  const canonical = (ip: string) => (isIP(ip) === 6 ? new URL(`http://[${ip}]`).hostname : ip);
  return canonical(a) === canonical(b);
}

// One dispatcher per proxy (and one direct), kept for the process: connections are reused across
// the files of a fetch and its redirects.
const dispatchers = new Map<string, Dispatcher>();

/** The undici dispatcher for `target`: direct, or through its proxy. */
export function dispatcherFor(target: URL, env: NodeJS.ProcessEnv): { dispatcher: Dispatcher; proxy: ProxyChoice | null } {
  const proxy = proxyFor(target, env);
  const key = proxy ? proxy.url.href : '';
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    dispatcher = proxy ? new ProxyAgent({ uri: proxy.url.href }) : new Agent();
    dispatchers.set(key, dispatcher);
  }
  return { dispatcher, proxy };
}
