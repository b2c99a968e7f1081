// The built-in scope, per cloud (docs/scope.md): three parts, merged without duplicates.
// 1. Hand-curated API hosts and suffix apexes (below): Microsoft Graph national cloud
//    deployments and Entra national cloud endpoints, which apps call whether or not Microsoft's
//    endpoint sets list them. Suffixes are listed twice, as the apex and as `*.suffix`, because
//    the apex itself is a Microsoft 365 name too.
// 2. Generated: the Microsoft 365 names of Microsoft's published endpoint sets
//    (microsoft365-hosts.generated.ts, from data/microsoft365-endpoints/ by
//    scripts/generate-m365-hosts.mjs; docs/microsoft365-endpoints.md lists what was left out).
// 3. Hand-curated Bot Framework and Teams bot service hosts (below), with their sources.
// Deliberately absent because they are far broader than Microsoft 365: microsoft.com,
// windows.net, chinacloudapi.cn, onmicrosoft.com, azureedge.net, trafficmanager.net.
import { GENERATED_MICROSOFT_365_HOSTS_BY_CLOUD } from './microsoft365-hosts.generated.js';

type Cloud = 'worldwide' | 'gccHigh' | 'dod' | 'china';

const CURATED_API_HOSTS: Readonly<Record<Cloud, readonly string[]>> = {
  worldwide: [
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
  ],
  gccHigh: [
    'graph.microsoft.us',
    'login.microsoftonline.us',
    'outlook.office365.us',
    'office365.us',
    '*.office365.us',
    'sharepoint.us',
    '*.sharepoint.us',
    'auth.microsoft.us',
    '*.auth.microsoft.us',
  ],
  dod: [
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
  ],
  china: [
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
    // API hosts that take bearer tokens and are on no endpoint set: Azure AD Graph in 21Vianet
    // (the counterpart of graph.windows.net; Entra "national cloud" endpoints) and the Office 365
    // Management Activity API (the counterpart of manage.office.com; microsoft/CSS-Exchange's
    // per-cloud ManagementApiEndpoint table).
    'graph.chinacloudapi.cn',
    'manage.office.cn',
  ],
};

// Bot Framework and Teams bot service hosts that bots call: the Bot Connector service (channel
// token issuer and OpenID metadata, token service for user sign-in) and the Teams connector
// service URL. Exact names only: smba.trafficmanager.net is one name of Azure Traffic Manager's
// shared trafficmanager.net, under which any Azure customer can create names.
// Sources: MicrosoftDocs/bot-docs articles/ref-oauth-redirect-urls.md (token URLs per cloud and
// region, the public-cloud settings), articles/how-to-deploy-gov-cloud-high.md (Azure Government:
// GCC High and DoD settings), articles/how-to-deploy-china-cloud.md (21Vianet settings);
// microsoft/botbuilder-dotnet libraries/Microsoft.Bot.Connector/Authentication/
// GovernmentAuthenticationConstants.cs (OAuthUrlGov); microsoft/Agents-for-net
// src/libraries/Extensions/Microsoft.Agents.Extensions.Teams/TeamsProactiveServiceEndpoints.cs
// (Teams service URLs: public, GCC, GCC High, DoD).
const GOVERNMENT_BOT_HOSTS = [
  'botframework.azure.us', // ChannelService
  'api.botframework.us', // token issuer and OAuth scope
  'login.botframework.azure.us', // OpenID metadata
  'token.botframework.azure.us', // token service (OAuth URL)
  'api.botframework.azure.us', // OAuthUrlGov
];
const BOT_FRAMEWORK_HOSTS: Readonly<Record<Cloud, readonly string[]>> = {
  worldwide: [
    'api.botframework.com',
    'login.botframework.com',
    'token.botframework.com',
    'europe.token.botframework.com',
    'unitedstates.token.botframework.com',
    'india.token.botframework.com',
    'smba.trafficmanager.net', // Teams service URL, public cloud: https://smba.trafficmanager.net/<region>/
    'smba.infra.gcc.teams.microsoft.com', // Teams service URL, GCC
  ],
  gccHigh: [...GOVERNMENT_BOT_HOSTS, 'tokengcch.botframework.azure.us', 'smba.infra.gov.teams.microsoft.us'],
  dod: [...GOVERNMENT_BOT_HOSTS, 'apidod.botframework.azure.us', 'smba.infra.dod.teams.microsoft.us'],
  china: ['api.botframework.azure.cn', 'login.botframework.azure.cn', 'token.botframework.azure.cn'],
};

const merge = (...lists: readonly (readonly string[])[]): readonly string[] => Object.freeze([...new Set(lists.flat())]);
const forCloud = (cloud: Cloud): readonly string[] =>
  merge(CURATED_API_HOSTS[cloud], GENERATED_MICROSOFT_365_HOSTS_BY_CLOUD[cloud], BOT_FRAMEWORK_HOSTS[cloud]);

/** Microsoft 365 host patterns per cloud. */
export const MICROSOFT_365_HOSTS_BY_CLOUD: Readonly<Record<Cloud, readonly string[]>> = Object.freeze({
  worldwide: forCloud('worldwide'),
  gccHigh: forCloud('gccHigh'),
  dod: forCloud('dod'),
  china: forCloud('china'),
});

/** Every built-in Microsoft 365 host pattern (all clouds), without duplicates. */
export const MICROSOFT_365_HOSTS: readonly string[] = merge(...Object.values(MICROSOFT_365_HOSTS_BY_CLOUD));
