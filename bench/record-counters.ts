// The gateway's own count of request records (from /metrics): shows that records were on and kept up.
import { request } from 'undici'

export interface RecordCounters {
  readonly written: number
  readonly dropped: number
  readonly queued: number
}

/** Undefined when /metrics does not answer or has no record figures (dbtype none). */
export async function recordCounters(origin: string): Promise<RecordCounters | undefined> {
  try {
    const response = await request(`${origin}/metrics`, { reset: true, headersTimeout: 5000, bodyTimeout: 5000 })
    const text = await response.body.text()
    if (response.statusCode !== 200) return undefined
    const value = (name: string): number | undefined => {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)
      return match === null ? undefined : Number(match[1])
    }
    const written = value('openai_api_route_records_written_total')
    const dropped = value('openai_api_route_records_dropped_total')
    if (written === undefined || dropped === undefined) return undefined
    return { written, dropped, queued: value('openai_api_route_record_queue_depth') ?? 0 }
  } catch {
    return undefined // the table says there were no figures
  }
}
