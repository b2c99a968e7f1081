import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Just enough of Entra ID for a client-credentials token, as a handler for a test TLS server
 * posing as login.microsoftonline.com: OpenID metadata (MSAL asks for it where it does not know
 * the authority) and the tenant's token endpoint; anything else is a 400.
 * @param portInUrls the metadata's URLs name the server's port (clients that keep the port), or
 *   not (SDKs that call port-less names routed to loopback).
 */
export function entraStandIn(options: {
  readonly tenant: string;
  readonly token: string;
  readonly portInUrls?: boolean;
}): (req: IncomingMessage, res: ServerResponse, body: string) => void {
  const { tenant, token, portInUrls = true } = options;
  return (req, res, body) => {
    const base = `https://login.microsoftonline.com${portInUrls ? `:${req.socket.localPort}` : ''}/${tenant}`;
    res.setHeader('content-type', 'application/json');
    if (req.url?.includes('openid-configuration')) {
      res.end(
        JSON.stringify({
          issuer: `${base}/v2.0`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
        }),
      );
    } else if (
      req.method === 'POST' &&
      req.url?.startsWith(`/${tenant}/oauth2/v2.0/token`) &&
      body.includes('grant_type=client_credentials')
    ) {
      res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token }));
    } else {
      res.statusCode = 400;
      res.end(JSON.stringify({ error: 'invalid_request' }));
    }
  };
}
