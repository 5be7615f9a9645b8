// What the alerting hears about, as method calls (in process) or as plain messages (from worker processes).
//
// This is the seam for `--workers N`: each worker turns its outcomes into these events and sends them to the
// primary (`process.send(event)`), where the one AlertCenter of the gateway applies them with applyAlertEvent,
// so incidents, de-duplication and the rate limit hold across all workers. In one process, the observer calls
// the AlertCenter directly. `count` lets a sender fold a run of identical results into one event.

export interface AlertEvents {
  /** `count` attempts in a row against one upstream that all succeeded (`ok`) or all failed. */
  upstreamAttempts(upstream: string, ok: boolean, count: number, detail: string): void
  /** `count` requests for one model label on which every upstream failed (`allFailed`), or that succeeded. */
  modelRequests(model: string, allFailed: boolean, count: number, detail: string): void
  /** One check of a record store's queue. */
  storeChecked(store: string, healthy: boolean, detail: string): void
  /** An upstream's breaker opened (`open`, after `failures` failed attempts) or closed: its incident follows. */
  upstreamBreaker(upstream: string, open: boolean, failures: number, detail: string): void
  /** A reload of the config file `source` was applied (`ok`) or refused (`detail`: its first problem and how many). */
  configReloaded(source: string, ok: boolean, detail: string): void
}

export type AlertEvent =
  | { readonly type: 'upstream_attempts'; readonly upstream: string; readonly ok: boolean; readonly count: number; readonly detail: string }
  | {
      readonly type: 'model_requests'
      readonly model: string
      readonly allFailed: boolean
      readonly count: number
      readonly detail: string
    }
  | { readonly type: 'store_checked'; readonly store: string; readonly healthy: boolean; readonly detail: string }
  | {
      readonly type: 'upstream_breaker'
      readonly upstream: string
      readonly open: boolean
      readonly failures: number
      readonly detail: string
    }
  | { readonly type: 'config_reloaded'; readonly source: string; readonly ok: boolean; readonly detail: string }

export function applyAlertEvent(events: AlertEvents, event: AlertEvent): void {
  switch (event.type) {
    case 'upstream_attempts':
      events.upstreamAttempts(event.upstream, event.ok, event.count, event.detail)
      break
    case 'model_requests':
      events.modelRequests(event.model, event.allFailed, event.count, event.detail)
      break
    case 'store_checked':
      events.storeChecked(event.store, event.healthy, event.detail)
      break
    case 'upstream_breaker':
      events.upstreamBreaker(event.upstream, event.open, event.failures, event.detail)
      break
    case 'config_reloaded':
      events.configReloaded(event.source, event.ok, event.detail)
      break
  }
}

/** The worker side: the same calls, as messages for `applyAlertEvent` in another process. */
export function alertEventsTo(send: (event: AlertEvent) => void): AlertEvents {
  return {
    upstreamAttempts: (upstream, ok, count, detail) => send({ type: 'upstream_attempts', upstream, ok, count, detail }),
    modelRequests: (model, allFailed, count, detail) => send({ type: 'model_requests', model, allFailed, count, detail }),
    storeChecked: (store, healthy, detail) => send({ type: 'store_checked', store, healthy, detail }),
    upstreamBreaker: (upstream, open, failures, detail) => send({ type: 'upstream_breaker', upstream, open, failures, detail }),
    configReloaded: (source, ok, detail) => send({ type: 'config_reloaded', source, ok, detail }),
  }
}
