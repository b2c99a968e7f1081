// Generates the built-in scope's Microsoft 365 names from Microsoft's own endpoint list.
//
// Reads the saved copy of Microsoft's endpoint sets (data/microsoft365-endpoints/<cloud>.json,
// see its README for the source) and writes:
//   src/policy/microsoft365-hosts.generated.ts  the names in scope, per cloud, with the source version
//   docs/microsoft365-endpoints.md              what was taken, widened and left out, and why
// Run: node scripts/generate-m365-hosts.mjs           (writes the files)
//      node scripts/generate-m365-hosts.mjs --check   (exits 1 when they are out of date)
// test/scope-data.test.ts runs generate() in memory and compares, so `npm test` fails on stale output.
//
// The rule, per name of an endpoint set (docs/scope.md says it for users):
// - A name under a Microsoft 365 domain (M365_DOMAINS below) is in scope, whatever the set's
//   category: Optimize, Allow or Default.
// - An exact name of an Optimize or Allow set under a domain Microsoft shares beyond Microsoft 365
//   (SHARED_MICROSOFT_DOMAINS: graph.microsoft.com, graph.windows.net, ...) is in scope: Microsoft
//   lists it as a Microsoft 365 endpoint, and the name is that one service. A wildcard there
//   (`*.microsoft.com`, `*.chinacloudapi.cn`) is not: it covers far more than Microsoft 365.
// - A name the scope syntax cannot express (`*cdn.onenote.net`, `<tenant>.officewebapps.cn`) is
//   widened to `*.` + the rest after its first variable label, when that rest is a Microsoft 365
//   domain; otherwise it is left out. Nothing is ever widened onto a domain not in M365_DOMAINS.
// - Everything else is left out, with its reason in docs/microsoft365-endpoints.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The clouds, in the order of MICROSOFT_365_HOSTS_BY_CLOUD, and their data files. */
export const CLOUDS = Object.freeze([
  { key: 'worldwide', file: 'worldwide.json', title: 'Worldwide (and GCC)' },
  { key: 'gccHigh', file: 'gcc-high.json', title: 'GCC High' },
  { key: 'dod', file: 'dod.json', title: 'DoD' },
  { key: 'china', file: 'china.json', title: 'China (21Vianet)' },
]);

// Microsoft 365's own domains: registrable domains that serve Microsoft 365 (and its sign-in)
// and nothing else of consequence, or zones of a broader domain that only Microsoft 365 uses.
// Every name under one of these is in scope (the entry itself included). Add a domain here only
// when Microsoft lists it for Microsoft 365 and no third party can get names under it.
export const M365_DOMAINS = Object.freeze([
  // Worldwide workloads: Office, Exchange Online / Outlook, SharePoint and OneDrive, Teams and
  // Skype for Business Online, OneNote, Office for the web, Sway, Viva Engage (Yammer).
  'office.com', // Office web and admin (manage.office.com, substrate.office.com, *.protection.office.com)
  'office.net', // Office CDN and service assets
  'office365.com',
  'microsoft365.com',
  'outlook.com', // Exchange Online and Outlook (the consumer Outlook.com service too)
  'outlookmobile.com', // Outlook for iOS and Android
  'acompli.net', // Outlook for iOS and Android service (not www.acompli.com, the old company site)
  'sharepoint.com',
  'sharepointonline.com',
  'onedrive.com',
  'lync.com', // Skype for Business Online
  'teams.microsoft.com', // Teams' zone of microsoft.com
  'onenote.com',
  'onenote.net',
  'officeapps.live.com', // Office for the web's zone of live.com
  'msocdn.com', // Microsoft 365 shell CDN
  'o365weve.com',
  'sway.com',
  'sway-cdn.com',
  'sway-extensions.com',
  'yammer.com',
  'yammerusercontent.com',
  'assets-yammer.com',
  'microsoftusercontent.com', // Office Scripts and Python in Excel content
  'security.microsoft.com', // Microsoft Defender portal's zone of microsoft.com
  'portal.cloudappsecurity.com', // Defender for Cloud Apps tenant portals
  // The unified domains under Microsoft's .microsoft top-level domain.
  'cloud.microsoft',
  'static.microsoft',
  'usercontent.microsoft',
  'mx.microsoft', // Exchange Online mail flow
  // Sign-in: Microsoft Entra ID as Microsoft 365 uses it.
  'microsoftonline.com',
  'microsoftonline-p.com',
  'microsoftonline-p.net',
  'msftidentity.com',
  'msidentity.com',
  'auth.microsoft.com',
  'msauth.net',
  'msauthimages.net',
  'msftauth.net',
  'msftauthimages.net',
  'phonefactor.net', // Entra multifactor authentication
  // US Government: GCC High and DoD.
  'office365.us',
  'office365-net.us',
  'sharepoint.us',
  'sharepoint-mil.us',
  'onedrive.us',
  'msocdn.us',
  'teams.microsoft.us',
  'skypeforbusiness.us',
  'security.microsoft.us',
  'auth.microsoft.us',
  'msauthimages.us',
  'msftauthimages.us',
  'dps.mil', // DoD SharePoint
  // Zones of apps.mil (the DoD's domain, which holds more than Microsoft 365): only those
  // Microsoft lists as wildcards in Optimize and Allow sets.
  'od.apps.mil',
  'protection.apps.mil',
  'security.apps.mil',
  // China, operated by 21Vianet.
  'partner.outlook.cn',
  'sharepoint.cn',
  'office365.cn',
  'office365-net.cn',
  'officewebapps.cn',
  'partner.lync.cn',
  'microsoftonline.cn',
  'microsoftonline-p.cn',
  'microsoftonline.net.cn',
  'microsoftonline-i.net.cn',
  'microsoftonline-m.net.cn',
  'microsoftonline-m-i.net.cn',
  'microsoftonline-p.net.cn',
  'auth.microsoft.cn',
  'msauth.cn',
  'msauthimages.cn',
  'msftauth.cn',
  'msftauthimages.cn',
]);

// Domains shared beyond Microsoft 365 (Microsoft's own, and apps.mil, the DoD's): an exact name
// under one of them is in scope only when an Optimize or Allow set lists it; their wildcards and
// their Default-set names are left out.
export const SHARED_MICROSOFT_DOMAINS = Object.freeze([
  'microsoft.com',
  'windows.net',
  'windowsazure.com',
  'microsoftazuread-sso.com',
  'live.com',
  'microsoft.us',
  'microsoftazure.us',
  'microsoftonline.us',
  'usgovcloudapi.net',
  'apps.mil',
  'chinacloudapi.cn',
]);

// Why a name that is not Microsoft 365's is left out, by its registrable domain.
const REASONS = [
  { reason: 'customer tenant domain: every tenant has names under it', domains: ['onmicrosoft.com', 'onmicrosoft.us', 'onmschina.cn'] },
  {
    reason: 'third-party or shared CDN or traffic-manager domain: names of any customer live under it',
    domains: ['akamaihd.net', 'akadns.net', 'edgesuite.net', 'azureedge.net', 'trafficmanager.net', 'aspnetcdn.com', 'msecnd.net'],
  },
  { reason: "third-party CDN of 21Vianet's service", domains: ['cdnsvc.com'] },
  { reason: 'third party (LinkedIn)', domains: ['linkedin.com'] },
  {
    reason: 'Azure-wide domain: customer resources live under it',
    domains: [
      'azure-apim.net',
      'cloudapp.net',
      'azure-mobile.cn',
      'chinacloud-mobile.cn',
      'chinacloudapp.cn',
      'chinacloudsites.cn',
      'windowsazure.cn',
    ],
  },
  {
    reason: 'certificate authority (CRL, OCSP, CA certificates), not Microsoft 365',
    domains: [
      'digicert.com',
      'entrust.net',
      'geotrust.com',
      'globalsign.com',
      'globalsign.net',
      'identrust.com',
      'letsencrypt.org',
      'omniroot.com',
      'public-trust.com',
      'symcb.com',
      'symcd.com',
      'verisign.com',
      'verisign.net',
      'msocsp.com',
    ],
  },
];
// Azure service domains: their wildcards hold customer resources (storage, media services).
const AZURE_SERVICE_DOMAINS = ['windows.net', 'usgovcloudapi.net', 'chinacloudapi.cn'];

/** The registrable domain of a name (public suffixes: one label, or net.cn / com.cn). */
export function registrableDomain(name) {
  const labels = name.split('.');
  const keep = /\.(?:net|com)\.cn$/u.test(name) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

const under = (name, domain) => name === domain || name.endsWith(`.${domain}`);
const m365DomainOf = (name) => M365_DOMAINS.find((d) => under(name, d));

/** The reason a name is left out (the name as Microsoft lists it; `domain` is what it covers). */
function reasonFor(name, domain, category) {
  if (name === '*.microsoft.com')
    return 'all of microsoft.com: far broader than Microsoft 365 (its Microsoft 365 names are taken one by one)';
  const registrable = registrableDomain(domain);
  for (const { reason, domains } of REASONS) if (domains.includes(registrable)) return reason;
  if (name.startsWith('*') && AZURE_SERVICE_DOMAINS.includes(registrable)) return 'Azure-wide domain: customer resources live under it';
  if (category === 'Default') return `Default set, and ${registrable} is not on the Microsoft 365 domain list`;
  return `wildcard over ${registrable}, which is not on the Microsoft 365 domain list`;
}

/**
 * One name of an endpoint set, decided: `{ pattern }` (in scope, possibly widened) or `{ reason }`.
 * `pattern` is what the scope compiler accepts: a name, or `*.` and a name.
 */
export function decide(name, category) {
  const labels = name.split('.');
  const variable = labels.findIndex((l) => l.includes('*') || l.includes('<'));
  if (variable > 0 || (variable === 0 && labels[0] !== '*')) {
    // `<tenant>.x`, `autodiscover.<tenant>.x`, `*cdn.x`: the scope can say `*.x` at most.
    const rest = labels.slice(variable + 1).join('.');
    if (m365DomainOf(rest)) return { pattern: `*.${rest}`, widened: true };
    return { reason: reasonFor(name, rest, category) };
  }
  const wildcard = variable === 0;
  const domain = wildcard ? labels.slice(1).join('.') : name;
  if (m365DomainOf(domain)) return { pattern: name };
  if (!wildcard && category !== 'Default' && SHARED_MICROSOFT_DOMAINS.includes(registrableDomain(name))) return { pattern: name };
  return { reason: reasonFor(name, domain, category) };
}

/** Reads the saved copy of Microsoft's data. */
export function loadEndpointData(root) {
  return Object.fromEntries(
    CLOUDS.map(({ key, file }) => [key, JSON.parse(readFileSync(join(root, 'data', 'microsoft365-endpoints', file), 'utf8'))]),
  );
}

/** Decides every name of every endpoint set of every cloud. */
export function classify(data) {
  const hostsByCloud = {};
  const taken = [];
  const excluded = [];
  for (const { key } of CLOUDS) {
    const hosts = [];
    for (const set of data[key].endpoints) {
      for (const name of set.urls ?? []) {
        const decision = decide(name, set.category);
        const row = { cloud: key, id: set.id, category: set.category, name };
        if (decision.pattern === undefined) {
          excluded.push({ ...row, reason: decision.reason });
          continue;
        }
        taken.push({ ...row, pattern: decision.pattern, widened: decision.widened === true });
        if (!hosts.includes(decision.pattern)) hosts.push(decision.pattern);
      }
    }
    hostsByCloud[key] = hosts;
  }
  // A name another set of the same cloud brings into scope is not left out (DoD lists
  // webmail.apps.mil in an Optimize set and again in a Default one).
  const inScope = new Set(taken.map((r) => `${r.cloud} ${r.name}`));
  return { hostsByCloud, taken, excluded: excluded.filter((r) => !inScope.has(`${r.cloud} ${r.name}`)) };
}

const GENERATED_TS = 'src/policy/microsoft365-hosts.generated.ts';
const GENERATED_DOC = 'docs/microsoft365-endpoints.md';
const versionLine = (data) => CLOUDS.map(({ key, title }) => `${title} ${data[key].source.version}`).join(', ');

function renderTs(data, { hostsByCloud }) {
  const first = data.worldwide.source;
  const lines = [
    '// GENERATED by scripts/generate-m365-hosts.mjs from data/microsoft365-endpoints/: do not edit.',
    '// Regenerate with `node scripts/generate-m365-hosts.mjs`. What is in and left out, and why:',
    '// docs/microsoft365-endpoints.md. Hand-curated hosts live in microsoft365-hosts.ts.',
    `// Source: ${first.repository}@${first.commit}, endpoint versions ${versionLine(data)}.`,
    '',
    "/** The version of Microsoft's endpoint data each cloud's generated names come from. */",
    'export const MICROSOFT_365_ENDPOINTS_SOURCE = {',
    `  repository: '${first.repository}',`,
    `  commit: '${first.commit}',`,
  ];
  for (const { key } of CLOUDS) {
    const s = data[key].source;
    lines.push(
      `  ${key}: {`,
      `    instance: '${s.instance}',`,
      `    version: '${s.version}',`,
      `    generated: '${s.fileGenerated.slice(0, 10)}',`,
      `    path: '${s.path}',`,
      '  },',
    );
  }
  lines.push('} as const;', '', "/** Microsoft 365 names of Microsoft's endpoint sets, per cloud, as scope patterns. */");
  lines.push('export const GENERATED_MICROSOFT_365_HOSTS_BY_CLOUD = {');
  for (const { key } of CLOUDS) {
    lines.push(`  ${key}: [`, ...hostsByCloud[key].map((h) => `    '${h}',`), '  ],');
  }
  lines.push('} as const;', '');
  return lines.join('\n');
}

function renderDoc(data, { hostsByCloud, taken, excluded }) {
  const title = (key) => CLOUDS.find((c) => c.key === key).title;
  const out = [
    '# Microsoft 365 endpoints in the built-in scope',
    '',
    '<!-- GENERATED by scripts/generate-m365-hosts.mjs from data/microsoft365-endpoints/: do not edit. -->',
    '',
    "What the built-in scope takes from Microsoft's published endpoint list, per cloud, and every",
    'name it leaves out with the reason. The rule and the hand-curated additions are in',
    '[scope.md](scope.md).',
    '',
    '## Source',
    '',
    `Repository \`${data.worldwide.source.repository}\`, commit \`${data.worldwide.source.commit}\`:`,
    '',
    '| cloud | instance | version | table generated | path |',
    '|---|---|---|---|---|',
  ];
  for (const { key } of CLOUDS) {
    const s = data[key].source;
    out.push(`| ${title(key)} | ${s.instance} | ${s.version} | ${s.fileGenerated.slice(0, 19)} | \`${s.path}\` |`);
  }
  out.push(
    '',
    '## Counts',
    '',
    'Names as listed, set by set (a name in two sets counts twice; a name left out of one set but taken from',
    'another set of the same cloud counts as taken only):',
    '',
    '| cloud | names listed | taken | left out | scope patterns |',
    '|---|---|---|---|---|',
  );
  for (const { key } of CLOUDS) {
    const listed = data[key].endpoints.reduce((n, set) => n + (set.urls?.length ?? 0), 0);
    const t = taken.filter((r) => r.cloud === key).length;
    const x = excluded.filter((r) => r.cloud === key).length;
    out.push(`| ${title(key)} | ${listed} | ${t} | ${x} | ${hostsByCloud[key].length} |`);
  }
  const widened = taken.filter((r) => r.widened);
  out.push('', '## Widened', '', 'Names the scope syntax cannot express, taken as the covering wildcard of a Microsoft 365 domain:', '');
  out.push('| cloud | set | category | listed | in scope as |', '|---|---|---|---|---|');
  for (const r of widened) out.push(`| ${title(r.cloud)} | ${r.id} | ${r.category} | \`${r.name}\` | \`${r.pattern}\` |`);
  out.push(
    '',
    '## Left out',
    '',
    "Not in that cloud's list of `MICROSOFT_365_HOSTS_BY_CLOUD` (nor in the built-in scope, unless another",
    "cloud's list or a hand-curated entry takes the name). Add any of them with `extraHosts`.",
    '',
  );
  out.push('| cloud | set | category | name | reason |', '|---|---|---|---|---|');
  for (const r of excluded) out.push(`| ${title(r.cloud)} | ${r.id} | ${r.category} | \`${r.name}\` | ${r.reason} |`);
  out.push('');
  return out.join('\n');
}

/** Everything the script writes, as `{ path: text }`, plus the decisions (for the tests). */
export function generate(root) {
  const data = loadEndpointData(root);
  const result = classify(data);
  return { ...result, data, files: { [GENERATED_TS]: renderTs(data, result), [GENERATED_DOC]: renderDoc(data, result) } };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { files } = generate(root);
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [path, text] of Object.entries(files)) {
    let current = '';
    try {
      current = readFileSync(join(root, path), 'utf8');
    } catch {}
    if (current === text) continue;
    stale++;
    if (check) console.error(`${path} is out of date: run node scripts/generate-m365-hosts.mjs`);
    else writeFileSync(join(root, path), text);
  }
  if (check && stale > 0) process.exitCode = 1;
  else if (!check) console.log(stale > 0 ? `wrote ${stale} file(s)` : 'up to date');
}
