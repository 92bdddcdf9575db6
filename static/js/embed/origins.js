/**
 * Which web origins may talk to the embed view: the server's `frame_ancestors` setting (the
 * CSP `frame-ancestors` source list that also decides who may frame it), read from the page's
 * `<meta name="convscope-allowed-origins">`. Pure functions.
 *
 * Understood sources: `'self'` (the page's own origin), `'none'`, `*`, a scheme (`https:`),
 * and host sources with an optional scheme, `*.` subdomain wildcard and port (`:*` = any):
 * `https://course.example.org`, `*.example.org`, `http://127.0.0.1:8080`. Paths are ignored;
 * other keywords match nothing.
 * @module embed/origins
 */

/**
 * @typedef {Object} OriginRule
 * @property {"any"|"scheme"|"host"} kind
 * @property {string[]} schemes  allowed schemes without the colon (host and scheme rules)
 * @property {string} host  lower-case host, without the `*.` of a wildcard
 * @property {boolean} subdomains  true for `*.host` (subdomains only, as in CSP)
 * @property {string|null} port  a port, "*" for any, null for the scheme's default
 */

const DEFAULT_PORTS = Object.freeze({ "http:": "80", "https:": "443" });
const HOST_SOURCE = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}|\*))?(?:\/.*)?$/i;

function schemesFor(scheme, selfOrigin) {
  if (scheme) return scheme.toLowerCase() === "http" ? ["http", "https"] : [scheme.toLowerCase()];
  // CSP: no scheme means the protected page's own scheme (http also allows https)
  const own = selfOrigin ? new URL(selfOrigin).protocol.slice(0, -1) : "https";
  return own === "http" ? ["http", "https"] : [own];
}

function ruleOf(token, selfOrigin) {
  const lower = token.toLowerCase();
  if (lower === "'self'") {
    if (!selfOrigin) return null;
    const url = new URL(selfOrigin);
    return { kind: "host", schemes: [url.protocol.slice(0, -1)], host: url.hostname,
      subdomains: false, port: url.port || null };
  }
  if (lower.startsWith("'")) return null; // 'none' and other keywords allow nothing
  if (lower === "*") return { kind: "any", schemes: [], host: "", subdomains: false, port: null };
  if (/^[a-z][a-z0-9+.-]*:$/.test(lower)) {
    return { kind: "scheme", schemes: schemesFor(lower.slice(0, -1), selfOrigin), host: "",
      subdomains: false, port: null };
  }
  const m = HOST_SOURCE.exec(token);
  if (!m) return null;
  return { kind: "host", schemes: schemesFor(m[1], selfOrigin), host: m[3].toLowerCase(),
    subdomains: Boolean(m[2]), port: m[4] ?? null };
}

/**
 * The rules of a CSP source list.
 * @param {string} sources e.g. `"'self' https://course.example.org"`
 * @param {{selfOrigin?: string|null}} [options] the page's own origin, for `'self'`
 * @returns {OriginRule[]}
 */
export function parseAllowList(sources, { selfOrigin = null } = {}) {
  return String(sources ?? "").split(/\s+/).filter(Boolean)
    .map((token) => ruleOf(token, selfOrigin)).filter(Boolean);
}

function portMatches(rule, url) {
  if (rule.port === "*") return true;
  const actual = url.port || DEFAULT_PORTS[url.protocol] || "";
  const wanted = rule.port ?? DEFAULT_PORTS[`${url.protocol}`] ?? "";
  return actual === wanted;
}

/**
 * Is `origin` (as in `MessageEvent.origin`) allowed by `rules`?
 * @param {string} origin e.g. "https://course.example.org"; "null" (opaque) never is
 * @param {OriginRule[]} rules from {@link parseAllowList}
 * @returns {boolean}
 */
export function isOriginAllowed(origin, rules) {
  if (typeof origin !== "string" || origin === "null") return false;
  let url;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false; // a URL with a path is not an origin
  const scheme = url.protocol.slice(0, -1);
  const host = url.hostname.toLowerCase();
  return rules.some((rule) => {
    if (rule.kind === "any") return scheme === "http" || scheme === "https";
    if (!rule.schemes.includes(scheme)) return false;
    if (rule.kind === "scheme") return true;
    const hostOk = rule.subdomains ? host.endsWith(`.${rule.host}`) : host === rule.host;
    return hostOk && portMatches(rule, url);
  });
}

/**
 * The allow-list in words, for people: `'self' https://lms.org` -> "this server itself and
 * https://lms.org".
 * @param {string} sources the CSP source list
 * @returns {string}
 */
export function describeAllowList(sources) {
  const words = String(sources ?? "").split(/\s+/).filter(Boolean).map((token) => {
    const lower = token.toLowerCase();
    if (lower === "'self'") return "this server itself";
    if (lower === "*") return "any web site";
    return lower.startsWith("'") ? null : token;
  }).filter(Boolean);
  if (!words.length) return "no site at all (embedding is switched off)";
  return words.length === 1 ? words[0]
    : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}
