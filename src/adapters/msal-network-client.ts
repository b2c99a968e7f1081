import { invalidOption } from '../policy/errors.js';
import { splitOptions } from '../policy/options.js';
import { createFetchDispatcher, type FetchDispatcherOptions, refuseOnBun } from './fetch-dispatcher.js';
import type { DispatcherLike, NodeFetchDispatcher } from './undici-shapes.js';

/** MSAL's `NetworkResponse` (from @azure/msal-common), restated so MSAL stays optional. */
export interface MsalNetworkResponse<T> {
  headers: Record<string, string>;
  body: T;
  status: number;
}

/** MSAL's `INetworkModule` shape: what `system.networkClient` of @azure/msal-node takes. */
export interface MsalNetworkClient {
  sendGetRequestAsync<T>(
    url: string,
    options?: { headers?: Record<string, string>; body?: string },
    timeout?: number,
  ): Promise<MsalNetworkResponse<T>>;
  sendPostRequestAsync<T>(url: string, options?: { headers?: Record<string, string>; body?: string }): Promise<MsalNetworkResponse<T>>;
  /** The policy dispatcher the client sends through. */
  readonly dispatcher: NodeFetchDispatcher;
  /** Closes the dispatcher (its idle connections). */
  close(): Promise<void>;
}

export interface MsalNetworkClientOptions extends FetchDispatcherOptions {
  /** Send through this dispatcher instead of making one (then the other options are not used). */
  dispatcher?: NodeFetchDispatcher | undefined;
}

type FetchLike = (url: string, init: Record<string, unknown>) => Promise<Response>;

/**
 * An MSAL network client over the policy dispatcher and Node's fetch, for
 * `new ConfidentialClientApplication({ system: { networkClient } })`. MSAL 5 and later take
 * no agent and no `proxyUrl`: this is how the policy, and a proxy (`proxy` option), reach
 * Entra sign-in.
 */
export function createMsalNetworkClient(options: MsalNetworkClientOptions = {}): MsalNetworkClient {
  if (typeof options !== 'object' || options === null)
    throw invalidOption('options', 'an object of createFetchDispatcher options', options);
  refuseOnBun('createMsalNetworkClient');
  const [{ dispatcher: given }, dispatcherOptions] = splitOptions(options, ['dispatcher']);
  const dispatcher: NodeFetchDispatcher = given ?? createFetchDispatcher(dispatcherOptions);
  const fetchFn = globalThis.fetch as unknown as FetchLike;

  async function send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: { headers?: Record<string, string>; body?: string } = {},
    timeout?: number,
  ): Promise<MsalNetworkResponse<T>> {
    const init: Record<string, unknown> = { method, headers: options.headers, dispatcher };
    if (method === 'POST') init['body'] = options.body;
    if (typeof timeout === 'number' && timeout > 0) init['signal'] = AbortSignal.timeout(timeout);
    const response = await fetchFn(url, init);
    const text = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    return { headers, body: parseBody<T>(text, response.status), status: response.status };
  }

  return {
    dispatcher,
    sendGetRequestAsync: (url, opts, timeout) => send('GET', url, opts, timeout),
    sendPostRequestAsync: (url, opts) => send('POST', url, opts),
    close: () => (dispatcher as unknown as DispatcherLike).close(),
  };
}

// MSAL reads OAuth error fields from the body. A non-JSON body (an HTML error page from a
// gateway) becomes an OAuth-style error object rather than an exception, as MSAL's own
// client does, so MSAL reports the HTTP status instead of a JSON parse error.
function parseBody<T>(text: string, status: number): T {
  if (text.length === 0) return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return { error: 'invalid_response', error_description: `non-JSON response body with HTTP status ${status}` } as T;
  }
}
