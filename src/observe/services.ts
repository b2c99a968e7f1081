import { normalizeHost } from '../policy/host-names.js';
import { compileScope, type HostScope } from '../policy/scope.js';

/** The Microsoft 365 services admins read TLS usage by, as Exchange and Entra reports name them. */
export type Microsoft365Service = 'Microsoft Graph' | 'Exchange Online' | 'SharePoint Online' | 'Entra ID sign-in' | 'Microsoft 365';

// First match wins. Every cloud's names (docs/scope.md).
const RULES: ReadonlyArray<readonly [Microsoft365Service, RegExp]> = [
  ['Microsoft Graph', /^(?:graph\.microsoft\.(?:com|us)|dod-graph\.microsoft\.us|microsoftgraph\.chinacloudapi\.cn)$/u],
  [
    'Entra ID sign-in',
    /^(?:login\.(?:microsoftonline\.(?:com|us)|microsoft\.com|windows\.net|chinacloudapi\.cn|partner\.microsoftonline\.cn)|(?:.+\.)?auth\.microsoft\.(?:us|cn)|(?:.+\.)?microsoftonline\.com)$/u,
  ],
  ['SharePoint Online', /(?:^|\.)sharepoint(?:-mil)?\.(?:com|us|cn)$/u],
  [
    'Exchange Online',
    /(?:^|\.)(?:outlook\.(?:com|office\.com|office365\.com)|office365\.(?:com|us)|outlook-dod\.office365\.us|partner\.outlook\.cn)$|^(?:smtp|outlook)\.office365\.(?:com|us)$|^webmail\.apps\.mil$/u,
  ],
];

let builtIn: HostScope | undefined;

/**
 * The Microsoft 365 service a host name belongs to, for reports and log records; `'Microsoft
 * 365'` for other names of the built-in list the rules do not place, undefined for names that
 * are no Microsoft 365 name at all (your own `extraHosts`, for instance).
 */
export function serviceOf(host: string): Microsoft365Service | undefined {
  const normalized = normalizeHost(host);
  if (normalized.kind !== 'name') return undefined;
  for (const [service, rule] of RULES) if (rule.test(normalized.name)) return service;
  builtIn ??= compileScope('microsoft365', []);
  return builtIn.matches(normalized) ? 'Microsoft 365' : undefined;
}
