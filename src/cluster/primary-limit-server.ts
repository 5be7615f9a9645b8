// The primary's side of named keys' limits under `--workers N` without Redis: one LocalLimitStore counts for every
// worker, each check decided in one turn of the primary's event loop, so the limits hold exactly across workers.
// The leases of a worker that exits (or dies) are freed at once.
import type { LimitLease } from '../limits/limit-store.js'
import type { LocalLimitStore } from '../limits/local-limit-store.js'
import type { PrimaryMessage, WorkerMessage } from './cluster-messages.js'

type LimitMessage = Extract<WorkerMessage, { type: `oar:limit-${string}` }>

export interface PrimaryLimitServer {
  /** A worker's `oar:limit-*` message; the answer goes back to it through `send`. */
  receive(workerId: number, message: LimitMessage): void
  /** The worker has exited: every slot it held is freed (its reservations stay counted, as its requests were sent). */
  workerGone(workerId: number): void
}

export interface PrimaryLimitServerOptions {
  readonly store: LocalLimitStore
  readonly send: (workerId: number, message: PrimaryMessage) => void
}

export function servePrimaryLimits(options: PrimaryLimitServerOptions): PrimaryLimitServer {
  const { store, send } = options
  /** Per worker, its admitted requests' leases not yet settled, by the id of their check. */
  const leases = new Map<number, Map<number, LimitLease>>()
  const leasesOf = (workerId: number): Map<number, LimitLease> => {
    let held = leases.get(workerId)
    if (held === undefined) {
      held = new Map()
      leases.set(workerId, held)
    }
    return held
  }
  return {
    receive(workerId, message) {
      switch (message.type) {
        case 'oar:limit-check': {
          const decision = store.decide(message.request)
          if (decision.kind !== 'admitted') return send(workerId, { type: 'oar:limit-decision', id: message.id, decision })
          leasesOf(workerId).set(message.id, decision.lease)
          send(workerId, { type: 'oar:limit-decision', id: message.id, decision: { kind: 'admitted', status: decision.status } })
          break
        }
        case 'oar:limit-release':
          leases.get(workerId)?.get(message.id)?.release()
          break
        case 'oar:limit-settle':
          leases.get(workerId)?.get(message.id)?.settle(message.actual)
          leases.get(workerId)?.delete(message.id)
          break
        case 'oar:limit-usage':
          void store
            .usage(message.key, message.limits)
            .then((usage) => send(workerId, { type: 'oar:limit-usage-reply', id: message.id, usage }))
          break
        case 'oar:limit-seed':
          void store
            .seedSpend(message.key, message.period, message.periodStart, message.spent)
            .then(() => send(workerId, { type: 'oar:limit-seed-reply', id: message.id }))
          break
      }
    },
    workerGone(workerId) {
      for (const lease of leases.get(workerId)?.values() ?? []) lease.release()
      leases.delete(workerId)
    },
  }
}
