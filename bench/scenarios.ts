// Every scenario, in the order they run. A new load shape is one more entry here (see measurement.ts: Scenario).
// idle-streams runs first, while the targets' heaps are small: after saturation a heap has room to spare, and
// streams opened then hardly move the resident memory that the scenario reads.
import { chunkTiming } from './chunk-timing-scenario.js'
import { idleStreams } from './idle-streams-scenario.js'
import { fixedRate, saturate, stream } from './load-scenarios.js'
import type { Scenario } from './measurement.js'
import { soak } from './soak-scenario.js'

export const scenarios: readonly Scenario[] = [idleStreams, saturate, fixedRate, stream, chunkTiming, soak]
