// What the HTTP edge needs to answer a scrape: whether the caller may, and the text to send.
import { timingSafeEqual } from 'node:crypto'
import { extractClientKey } from '../../auth/authenticate.js'
import { keyDigest } from '../../auth/key-digest.js'
import type { FamilySnapshot } from './metrics-snapshot.js'
import { renderPrometheusText } from './prometheus-text.js'

export interface MetricsEndpoint {
  /** True when no metrics key is configured, or the Authorization header carries it. */
  authorize(authorization: string | undefined): boolean
  scrape(): Promise<string>
}

/**
 * `snapshots` gives every process's snapshot already merged: in one process, its registry's; with workers,
 * the primary's merge of what each worker sent (merge-snapshots.ts).
 */
export function metricsEndpoint(key: string | undefined, snapshots: () => Promise<readonly FamilySnapshot[]>): MetricsEndpoint {
  const expected = key === undefined ? undefined : Buffer.from(keyDigest(key), 'hex')
  return {
    authorize(authorization) {
      if (expected === undefined) return true
      const presented = extractClientKey(authorization)
      // Digests have one length, so the comparison takes the same time however much of a guess is right.
      return presented !== '' && timingSafeEqual(Buffer.from(keyDigest(presented), 'hex'), expected)
    },
    async scrape() {
      return renderPrometheusText(await snapshots())
    },
  }
}
