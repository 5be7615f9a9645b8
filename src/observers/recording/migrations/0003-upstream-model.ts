// Migration 0003: `upstream_model`, the model name the answering upstream was sent (its `models` mapping of the
// client's `model`), beside the client's own name in `model`.
import type { Kysely, Migration } from 'kysely'

export function upstreamModel(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Nullable: older rows, and a gateway of an earlier version still writing during a rollout, leave it empty.
      await db.schema.alterTable('records').addColumn('upstream_model', 'text').execute()
    },
  }
}
