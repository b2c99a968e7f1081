// The built-in scope, per cloud. Sources (see docs/scope.md): Microsoft Graph national cloud
// deployments, Entra national cloud endpoints, and "Microsoft 365 URLs and IP address ranges"
// for each cloud. Suffixes are listed twice, as the apex and as `*.suffix`, because the apex
// itself is a Microsoft 365 name too. Deliberately absent because they are far broader than
// Microsoft 365: microsoft.com, windows.net, chinacloudapi.cn, onmicrosoft.com, azureedge.net.

/** Microsoft 365 host patterns per cloud. */
export const MICROSOFT_365_HOSTS_BY_CLOUD = Object.freeze({
  worldwide: Object.freeze([
    'graph.microsoft.com',
    'login.microsoftonline.com',
    'login.microsoft.com',
    'login.windows.net',
    'outlook.office.com',
    'outlook.office365.com',
    'smtp.office365.com',
    'sharepoint.com',
    '*.sharepoint.com',
    'office365.com',
    '*.office365.com',
    'outlook.com',
    '*.outlook.com',
    'microsoftonline.com',
    '*.microsoftonline.com',
    'cloud.microsoft',
    '*.cloud.microsoft',
  ]),
  gccHigh: Object.freeze([
    'graph.microsoft.us',
    'login.microsoftonline.us',
    'outlook.office365.us',
    'office365.us',
    '*.office365.us',
    'sharepoint.us',
    '*.sharepoint.us',
    'auth.microsoft.us',
    '*.auth.microsoft.us',
  ]),
  dod: Object.freeze([
    'dod-graph.microsoft.us',
    'login.microsoftonline.us',
    'outlook-dod.office365.us',
    'webmail.apps.mil',
    'office365.us',
    '*.office365.us',
    'sharepoint-mil.us',
    '*.sharepoint-mil.us',
    'dps.mil',
    '*.dps.mil',
    'od.apps.mil',
    '*.od.apps.mil',
  ]),
  china: Object.freeze([
    'microsoftgraph.chinacloudapi.cn',
    'login.partner.microsoftonline.cn',
    'login.chinacloudapi.cn',
    'partner.outlook.cn',
    '*.partner.outlook.cn',
    'sharepoint.cn',
    '*.sharepoint.cn',
    'partner.microsoftonline.cn',
    '*.partner.microsoftonline.cn',
    'auth.microsoft.cn',
    '*.auth.microsoft.cn',
  ]),
} as const);

/** Every built-in Microsoft 365 host pattern (all clouds), without duplicates. */
export const MICROSOFT_365_HOSTS: readonly string[] = Object.freeze([...new Set(Object.values(MICROSOFT_365_HOSTS_BY_CLOUD).flat())]);
