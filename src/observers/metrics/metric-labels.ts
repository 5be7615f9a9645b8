// Bounded label values: routes from a fixed table, status classes, and the models the config names.
import type { GatewayConfig } from '../../config/gateway-config.js'

/** The label for anything not in a table: one value, so clients cannot grow the series count. */
export const otherLabel = 'other'

/** OpenAI API routes, labelled as themselves. */
const exactRoutes = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/models',
  '/v1/moderations',
  '/v1/audio/transcriptions',
  '/v1/audio/translations',
  '/v1/audio/speech',
  '/v1/images/generations',
  '/v1/images/edits',
  '/v1/images/variations',
  '/v1/files',
  '/v1/uploads',
  '/v1/batches',
  '/v1/fine_tuning/jobs',
  '/v1/rerank',
] as const

/** Collections whose items have ids in the path (`/v1/files/file-abc/content`): labelled `<collection>/{id}`. */
const collections = [
  '/v1/chat/completions',
  '/v1/responses',
  '/v1/models',
  '/v1/files',
  '/v1/uploads',
  '/v1/batches',
  '/v1/fine_tuning/jobs',
] as const

/** Every route label, in a fixed order: a route's position is its index in per-request caches. */
export const routeLabels: readonly string[] = Object.freeze([...exactRoutes, ...collections.map((c) => `${c}/{id}`), otherLabel])

const exactIndex = new Map<string, number>(exactRoutes.map((route, i) => [route, i]))

export function routeIndex(path: string): number {
  const exact = exactIndex.get(path)
  if (exact !== undefined) return exact
  for (let i = 0; i < collections.length; i++) {
    const collection = collections[i] as string
    if (path.length > collection.length + 1 && path.startsWith(collection) && path.charCodeAt(collection.length) === 47 /* / */)
      return exactRoutes.length + i
  }
  return routeLabels.length - 1
}

export const statusClassLabels: readonly string[] = Object.freeze([otherLabel, '1xx', '2xx', '3xx', '4xx', '5xx'])

export function statusClassIndex(status: number): number {
  const hundreds = Math.floor(status / 100)
  return hundreds >= 1 && hundreds <= 5 ? hundreds : 0
}

/**
 * Models that get their own label: those the config names (upstream `allow` lists, Azure `deployments`, `models`,
 * `metrics.models`). Other models get a label as they are seen, up to a bound (model-labels.ts).
 */
export function configuredModels(
  config: Pick<GatewayConfig, 'upstreams'> & { readonly metrics?: { readonly models: readonly string[] } },
): ReadonlySet<string> {
  const models = new Set<string>(config.metrics?.models ?? [])
  for (const upstream of config.upstreams) {
    for (const model of upstream.allow) models.add(model)
    for (const model of Object.keys(upstream.deployments)) models.add(model)
    for (const model of Object.keys(upstream.models)) models.add(model)
  }
  return models
}
