// The active probe of an open upstream: its cheapest read-only request (the model list), sent with the upstream's own
// key over its connection pool. Never on a client request's path: the health prober sends it on its own timer.
import type { UpstreamConfig } from '../config/gateway-config.js'
import { anthropicVersion } from './anthropic/anthropic-messages.js'
import { splitEndpoint } from './split-endpoint.js'
import { basicAuthorization } from './upstream-headers.js'
import type { UpstreamClients } from './upstream-clients.js'

export interface ProbeRequest {
  readonly origin: string
  readonly path: string
  readonly headers: Record<string, string>
}

/**
 * `GET {endpoint}/models` with the upstream's key (Azure: with its `api-version`, Anthropic: with `anthropic-version`).
 * Undefined when the upstream cannot be probed: Replicate (no read-only endpoint that says the model serves), and
 * `sk: asis` upstreams (the key is each client's own; the gateway has none to send).
 */
export function probeRequest(upstream: UpstreamConfig): ProbeRequest | undefined {
  if (upstream.type === 'replicate' || upstream.credential.kind === 'client') return undefined
  const { origin, basePath } = splitEndpoint(upstream.endpoint)
  const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': 'health-probe' }
  const key = upstream.credential.kind === 'key' ? upstream.credential.key : undefined
  let path = `${basePath}/models`
  switch (upstream.type) {
    case 'openai':
      if (key !== undefined) headers['authorization'] = `Bearer ${key}`
      break
    case 'azure':
      if (key !== undefined) headers['api-key'] = key
      if (upstream.apiVersion !== undefined) path += `?${new URLSearchParams({ 'api-version': upstream.apiVersion }).toString()}`
      break
    case 'anthropic':
      if (key !== undefined) headers['x-api-key'] = key
      headers['anthropic-version'] = anthropicVersion
      break
  }
  const basic = basicAuthorization(upstream)
  if (basic !== undefined && headers['authorization'] === undefined) headers['authorization'] = basic
  return { origin, path, headers }
}

/** Sends the probe; true on a 2xx within `timeoutMs`, false on any other answer or error. Never throws. */
export async function sendProbe(clients: UpstreamClients, probe: ProbeRequest, timeoutMs: number): Promise<boolean> {
  try {
    const response = await clients.pool(probe.origin).request({
      method: 'GET',
      path: probe.path,
      headers: probe.headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    })
    await response.body.dump()
    return response.statusCode >= 200 && response.statusCode < 300
  } catch {
    return false
  }
}

/** The prober's `probeFor`: each probeable upstream's probe, sent through `clients`. */
export function probeThrough(
  clients: UpstreamClients,
): (upstream: UpstreamConfig) => ((timeoutMs: number) => Promise<boolean>) | undefined {
  return (upstream) => {
    const probe = probeRequest(upstream)
    return probe === undefined ? undefined : (timeoutMs) => sendProbe(clients, probe, timeoutMs)
  }
}
