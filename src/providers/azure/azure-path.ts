// Where a client request goes on Azure OpenAI (pure): deployment-scoped operations under
// `{endpoint}/deployments/{deployment}`, everything else under the endpoint, each with `api-version`.
import { GatewayError } from '../../errors/gateway-error.js'

/** Client paths (after /v1) that Azure serves per deployment. */
const deploymentPaths: ReadonlySet<string> = new Set([
  '/chat/completions',
  '/completions',
  '/embeddings',
  '/audio/transcriptions',
  '/audio/translations',
  '/audio/speech',
  '/images/generations',
])

export interface AzurePathOptions {
  /** The endpoint's path, e.g. `/openai`. */
  readonly basePath: string
  /** The client path after `/v1`, with its query. */
  readonly clientPath: string
  /** The request's model; the URL path (`/v1/...`) for requests without a JSON model. */
  readonly model: string
  readonly deployments: Readonly<Record<string, string>>
  readonly apiVersion: string | undefined
}

export function azurePath(options: AzurePathOptions): string {
  const query = options.clientPath.indexOf('?')
  const pathname = query === -1 ? options.clientPath : options.clientPath.slice(0, query)
  const params = new URLSearchParams(query === -1 ? '' : options.clientPath.slice(query + 1))
  // The configured version wins: the deployment was set up for it.
  if (options.apiVersion !== undefined) params.set('api-version', options.apiVersion)
  const search = params.size === 0 ? '' : `?${params.toString()}`
  if (!deploymentPaths.has(pathname)) return `${options.basePath}${pathname}${search}`
  return `${options.basePath}/deployments/${encodeURIComponent(deploymentOf(options))}${pathname}${search}`
}

/** `deployments[model]`, else the model name itself. A request routed by path needs an entry for that path. */
function deploymentOf(options: AzurePathOptions): string {
  // Own keys only: a model named `constructor` or `__proto__` is a model name, not a property of every object.
  if (Object.hasOwn(options.deployments, options.model)) return options.deployments[options.model] as string
  if (options.model.startsWith('/')) {
    throw new GatewayError(
      'upstream_unsupported',
      `a request without a JSON model needs a deployments entry for ${options.model} on Azure upstreams`,
    )
  }
  return options.model
}
