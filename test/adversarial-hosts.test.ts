import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkTlsPolicy, createTlsPolicy } from '../src/index.js';

// Property-based attacks on the scope decision. Seeded: a failure prints the seed and path,
// and re-running reproduces it. The reference model is deliberately naive: a list scan with
// label-boundary endsWith, over names normalised by the WHATWG URL parser (what clients use).
const SEED = 20261128;
const RUNS = 2000;
const policy = createTlsPolicy();

const EXACT = [
  'graph.microsoft.com',
  'login.microsoftonline.com',
  'outlook.office365.com',
  'smtp.office365.com',
  'graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
  'webmail.apps.mil',
];
const SUFFIXES = [
  'sharepoint.com',
  'office365.com',
  'outlook.com',
  'microsoftonline.com',
  'cloud.microsoft',
  'sharepoint.us',
  'sharepoint-mil.us',
  'sharepoint.cn',
  'partner.outlook.cn',
];

/** The model: is this already-normalised DNS name one of ours? */
function modelInScope(name: string): boolean {
  return EXACT.includes(name) || SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`));
}

/** What a client connects to for a URL: WHATWG hostname, one trailing dot removed. */
function clientHostname(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return host.endsWith('.') ? host.slice(0, -1) : host;
  } catch {
    return undefined;
  }
}

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/u);
const inScopeName = fc.oneof(
  fc.constantFrom(...EXACT),
  fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom(...SUFFIXES))
    .map(([labels, suffix]) => `${labels.join('.')}.${suffix}`),
);

/** Spellings that clients read as the same host. */
const disguise = (name: string) =>
  fc
    .record({
      upper: fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }),
      trailingDot: fc.boolean(),
      dot: fc.constantFrom('.', '\uFF0E', '\u3002', '\uFF61'),
    })
    .map(({ upper, trailingDot, dot }) => {
      const cased = [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
      return cased.split('.').join(dot) + (trailingDot ? '.' : '');
    });

const urlAround = (host: string) =>
  fc
    .record({
      scheme: fc.constantFrom('https', 'HTTPS', 'wss'),
      userinfo: fc.constantFrom('', 'user@', 'user:pass@', 'graph.microsoft.com@', 'evil.example:x@'),
      port: fc.constantFrom('', ':443', ':8443'),
      rest: fc.constantFrom('/', '/v1.0/me?$select=id', '/?next=https://evil.example/', '#@evil.example'),
    })
    .map(({ scheme, userinfo, port, rest }) => `${scheme}://${userinfo}${host}${port}${rest}`);

describe('adversarial: host-name bypass classes (fast-check)', () => {
  it('in-scope names are never missed, however they are spelled (case, trailing dot, full-width and ideographic dots)', () => {
    fc.assert(
      fc.property(inScopeName.chain(disguise), (spelled) => policy.appliesTo(spelled)),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('in URLs (userinfo, ports, paths, queries, fragments, percent-encoding) the decision matches the host the client would reach', () => {
    const percentEncoded = inScopeName.map((n) => n.replace(/[a-z]/u, (c) => `%${c.charCodeAt(0).toString(16)}`));
    const host = fc.oneof(
      inScopeName.chain(disguise),
      percentEncoded,
      label.map((l) => `${l}.example`),
    );
    fc.assert(
      fc.property(host.chain(urlAround), (url) => {
        const reached = clientHostname(url);
        if (reached === undefined) return policy.appliesTo(url); // unparsable: in scope (fail closed)
        return policy.appliesTo(url) === modelInScope(reached);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('label-boundary look-alikes are out of scope, exactly as the model says', () => {
    const lookalike = fc.tuple(inScopeName, label, fc.constantFrom('prefix', 'suffix', 'dash', 'tld')).map(([name, l, how]) => {
      if (how === 'prefix') return `${l}${name}`; // evilsharepoint.com
      if (how === 'suffix') return `${name}.${l}.example`; // graph.microsoft.com.evil.example
      if (how === 'dash') return name.replace('.', '-'); // graph-microsoft.com
      return `${name.slice(0, name.lastIndexOf('.'))}.${l}`; // graph.microsoft.evil
    });
    fc.assert(
      fc.property(lookalike, (name) => {
        // A name the URL parser rejects (graph.microsoft.0 reads as a broken IPv4 address) is
        // undeterminable, and undeterminable is in scope: failing closed is the model too.
        const reached = clientHostname(`https://${name}/`);
        return policy.appliesTo(name) === (reached === undefined ? true : modelInScope(reached));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('Unicode look-alikes (Cyrillic letters) are judged on their A-labels, exactly as the model says', () => {
    // The confusable goes into the part of the name that makes it ours (graph.microsoft.com,
    // sharepoint.com), never into a free subdomain label, where any label is legitimately ours.
    const known = fc.constantFrom(...EXACT, ...SUFFIXES.map((s) => `contoso.${s}`));
    const confusable = fc
      .tuple(known, fc.constantFrom(['o', '\u043E'], ['a', '\u0430'], ['e', '\u0435'], ['c', '\u0441'], ['p', '\u0440']))
      .map(([name, [latin, other]]) => {
        const tail = name.startsWith('contoso.') ? 'contoso.'.length : 0;
        const at = name.indexOf(latin!, tail);
        return at === -1 ? `${name.slice(0, tail)}${other}${name.slice(tail)}` : `${name.slice(0, at)}${other}${name.slice(at + 1)}`;
      });
    // Judged on the A-label the client would look up: outlook.office365.com with a Cyrillic
    // "o" is still under office365.com (ours), graph.micrоsoft.com is not.
    fc.assert(
      fc.property(confusable, (name) => {
        const reached = clientHostname(`https://${name}/`);
        return reached?.includes('xn--') === true && policy.appliesTo(name) === modelInScope(reached);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    for (const spoof of ['graph.micr\u043Esoft.com', 'contoso.sh\u0430repoint.com', 'login.micr\u043Esoftonline.com'])
      assert.equal(policy.appliesTo(spoof), false, spoof);
  });

  it('IP literals in every notation match no name; an IP pattern matches every notation of its address', () => {
    const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
    const notation = octets.chain((o) =>
      fc.constantFrom(
        o.join('.'),
        o.map((x) => `0x${x.toString(16)}`).join('.'),
        o.map((x) => `0${x.toString(8)}`).join('.'),
        String(((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3]),
        `[::ffff:${o.join('.')}]`,
      ),
    );
    fc.assert(
      fc.property(notation, (ip) => !policy.appliesTo(ip) && !policy.appliesTo(`https://${ip}/`)),
      { seed: SEED, numRuns: RUNS },
    );
    const pinned = createTlsPolicy({ hosts: ['10.1.2.3'] });
    for (const ip of ['10.1.2.3', '0x0a.0x01.0x02.0x03', '012.01.02.03', '167838211', '10.1.515'])
      assert.equal(pinned.appliesTo(ip), true, ip);
  });

  it('host, hostname and servername that disagree: in scope when any of them is', () => {
    const anyName = fc.oneof(
      inScopeName,
      label.map((l) => `${l}.example`),
      fc.constantFrom('127.0.0.1', '::1'),
    );
    fc.assert(
      fc.property(anyName, anyName, anyName, (host, hostname, servername) => {
        const report = checkTlsPolicy({ host, hostname, servername });
        return report.inScope === [host, hostname, servername].some((n) => modelInScope(n));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
