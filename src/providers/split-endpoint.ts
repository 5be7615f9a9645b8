// Splits an upstream endpoint into the origin a connection pool serves and the base path requests go under.

export interface EndpointParts {
  readonly origin: string
  /** Without a trailing slash; empty for an endpoint at the root. */
  readonly basePath: string
}

const cache = new Map<string, EndpointParts>()

export function splitEndpoint(endpoint: string): EndpointParts {
  let parts = cache.get(endpoint)
  if (parts === undefined) {
    const url = new URL(endpoint)
    parts = Object.freeze({ origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') })
    cache.set(endpoint, parts)
  }
  return parts
}
