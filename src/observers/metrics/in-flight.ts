// Requests and streams being served right now: two counters the relay route moves, read when scraped.

export interface InFlight {
  /** `/v1/*` requests between their start and their outcome. */
  requests: number
  /** Of those, the ones that asked for `stream: true`. */
  streams: number
}

export function createInFlight(): InFlight {
  return { requests: 0, streams: 0 }
}
