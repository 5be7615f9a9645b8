// A worker's side of `--workers N`: alert events, scrapes, upstream health and (without Redis) limit checks go to the
// primary, which answers for all.
import type { AlertEvents } from '../observers/alerts/alert-events.js'
import { alertEventsTo } from '../observers/alerts/alert-events.js'
import type { FamilySnapshot } from '../observers/metrics/metrics-snapshot.js'
import type { HealthSync } from '../state/health-sync.js'
import { systemClock } from '../time/clock.js'
import { isPrimaryMessage, type PrimaryMessage, type WorkerMessage } from './cluster-messages.js'
import { PrimaryLimitStore } from './primary-limit-store.js'
import { workerHealthSync } from './worker-health-sync.js'
import type { ReloadResult } from '../config/reload-result.js'

export interface WorkerLink {
  readonly alertEvents: AlertEvents
  /** Upstream health shared with the other workers (and, through the primary, with Redis). */
  readonly healthSync: HealthSync
  /** Named keys' limits counted by the primary for every worker (used when there is no Redis). */
  readonly limitStore: PrimaryLimitStore
  /** Every process's metrics, merged by the primary. */
  scrapeAll(): Promise<readonly FamilySnapshot[]>
  announceListening(url: string): void
  /** Has the primary log a warning, once for all workers (each worker would otherwise repeat it). */
  warn(msg: string, fields: Readonly<Record<string, string>>): void
  /** Answers the primary's snapshot requests from this worker's registry. */
  serveSnapshots(local: () => readonly FamilySnapshot[]): void
  /** Tells the primary why this worker could not start, then lets go of the channel so the process can end. */
  reportStartFailure(message: string): Promise<void>
  /** After a drain: sends this worker's last metrics, then lets go of the channel so the process can end. */
  leave(): Promise<void>
  /** Asks the primary to reload the config in every worker; resolves with the group's result. */
  reloadGroup(): Promise<ReloadResult>
  /** What this worker does when the primary says to reload (its result goes back to the primary). */
  onReload(reload: () => ReloadResult): void
}

/** How long a worker's admin reload waits for the primary's answer (every worker reloads within it). */
const reloadTimeoutMs = 10_000

/** How long a scrape waits for the primary before answering with this worker's own metrics. */
const scrapeTimeoutMs = 5_000

export function connectWorkerLink(proc: NodeJS.Process = process): WorkerLink {
  const send = (message: WorkerMessage): void => {
    if (proc.connected) proc.send?.(message)
  }
  // Disconnecting right after a send could drop it: the channel is let go once the message is written.
  const sendLast = (message: WorkerMessage): Promise<void> =>
    new Promise((resolve) => {
      if (!proc.connected || proc.send === undefined) return resolve()
      proc.send(message, undefined, {}, () => {
        if (proc.connected) proc.disconnect()
        resolve()
      })
    })
  let nextId = 1
  const pending = new Map<number, (families: readonly FamilySnapshot[]) => void>()
  let local: () => readonly FamilySnapshot[] = () => []
  const health = workerHealthSync(send)
  const limitStore = new PrimaryLimitStore({ send, clock: systemClock })
  let reloadHere: (() => ReloadResult) | undefined
  const reloads = new Map<number, (result: ReloadResult) => void>()
  proc.on('message', (message: unknown) => {
    if (!isPrimaryMessage(message)) return
    const m: PrimaryMessage = message
    switch (m.type) {
      case 'oar:snapshot':
        send({ type: 'oar:snapshot-reply', id: m.id, families: local() })
        break
      case 'oar:scrape-reply': {
        const resolve = pending.get(m.id)
        pending.delete(m.id)
        resolve?.(m.families)
        break
      }
      case 'oar:health':
        health.receive(m.records)
        break
      case 'oar:health-snapshot-reply':
        health.answer(m.id, m.records)
        break
      case 'oar:reload': {
        const result: ReloadResult = reloadHere?.() ?? { result: 'error', version: '', problems: ['this worker is not serving yet'] }
        send({ type: 'oar:reload-done', id: m.id, result })
        break
      }
      case 'oar:reload-reply': {
        const resolve = reloads.get(m.id)
        reloads.delete(m.id)
        resolve?.(m.result)
        break
      }
      case 'oar:limit-decision':
      case 'oar:limit-usage-reply':
      case 'oar:limit-seed-reply':
        limitStore.receive(m)
        break
    }
  })
  return {
    alertEvents: alertEventsTo((event) => send({ type: 'oar:alert', event })),
    healthSync: health,
    limitStore,
    announceListening: (url) => send({ type: 'oar:listening', url }),
    warn: (msg, fields) => send({ type: 'oar:warning', msg, fields }),
    serveSnapshots(snapshot) {
      local = snapshot
    },
    reportStartFailure: (message) => sendLast({ type: 'oar:start-failed', message }),
    leave: () => sendLast({ type: 'oar:final-snapshot', families: local() }),
    onReload(reload) {
      reloadHere = reload
    },
    reloadGroup() {
      const id = nextId++
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reloads.delete(id)
          reject(new Error(`the primary did not answer the reload within ${reloadTimeoutMs} ms`))
        }, reloadTimeoutMs)
        timer.unref()
        reloads.set(id, (result) => {
          clearTimeout(timer)
          resolve(result)
        })
        send({ type: 'oar:reload-request', id })
      })
    },
    scrapeAll() {
      const id = nextId++
      return new Promise((resolve) => {
        // If the primary is gone or slow, a scrape still answers, with this worker's share.
        const timer = setTimeout(() => {
          pending.delete(id)
          resolve(local())
        }, scrapeTimeoutMs)
        timer.unref()
        pending.set(id, (families) => {
          clearTimeout(timer)
          resolve(families)
        })
        send({ type: 'oar:scrape', id })
      })
    },
  }
}
