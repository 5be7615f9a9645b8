// The words of each alert message. Names only: upstream names, model labels, error codes, never keys or URLs.
import type { Notice } from './incident-tracker.js'

export function alertText(notice: Notice, gateway: string): string {
  const prefix = `[openai-api-route ${gateway}]`
  const since = formatTime(notice.openedAt)
  const lasted = formatDuration(notice.at - notice.openedAt)
  const n = notice.failures
  switch (notice.kind) {
    case 'upstream':
      switch (notice.phase) {
        case 'opened':
          return `${prefix} upstream "${notice.subject}" is failing: ${plural(n, 'attempt')} in a row failed (last: ${notice.detail}).`
        case 'ongoing':
          return `${prefix} upstream "${notice.subject}" is still failing since ${since}: ${plural(n, 'more failed attempt')} since the last message (last: ${notice.detail}).`
        case 'recovered':
          return `${prefix} upstream "${notice.subject}" has recovered after ${lasted} (failing since ${since}, ${plural(n, 'failed attempt')}, last: ${notice.detail}).`
      }
      break
    case 'all_failed':
      switch (notice.phase) {
        case 'opened':
          return `${prefix} every upstream failed for model "${notice.subject}": ${plural(n, 'request')} got no good answer (last: ${notice.detail}).`
        case 'ongoing':
          return `${prefix} every upstream is still failing for model "${notice.subject}" since ${since}: ${plural(n, 'more failed request')} since the last message (last: ${notice.detail}).`
        case 'recovered':
          return `${prefix} requests for model "${notice.subject}" succeed again after ${lasted} (since ${since}, ${plural(n, 'request')} failed on every upstream, last: ${notice.detail}).`
      }
      break
    case 'store':
      switch (notice.phase) {
        case 'opened':
          return `${prefix} record store "${notice.subject}" is falling behind or dropping records: ${notice.detail}.`
        case 'ongoing':
          return `${prefix} record store "${notice.subject}" is still unhealthy since ${since}: ${notice.detail}.`
        case 'recovered':
          return `${prefix} record store "${notice.subject}" is healthy again after ${lasted} (last problem: ${notice.detail}).`
      }
      break
    case 'config':
      switch (notice.phase) {
        case 'opened':
          return `${prefix} the config file "${notice.subject}" could not be reloaded; the gateway goes on with the previous one: ${notice.detail}.`
        case 'ongoing':
          return `${prefix} the config file "${notice.subject}" still cannot be reloaded (since ${since}): ${notice.detail}.`
        case 'recovered':
          return `${prefix} the config file "${notice.subject}" was reloaded after ${lasted} (last problem: ${notice.detail}).`
      }
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** `2024-05-01 10:00:00 UTC`. */
export function formatTime(wallMs: number): string {
  return `${new Date(wallMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** `45s`, `2m 13s`, `3h 5m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`
}
