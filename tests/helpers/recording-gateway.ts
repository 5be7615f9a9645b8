// The real gateway in this process with request recording on, and the outcomes it observed, for records tests.
import { parseConfigText } from '../../src/config/load-config.js'
import { startGateway, type RunningGateway } from '../../src/gateway.js'
import { createLogger } from '../../src/log/logger.js'
import { startRecording, type Recording } from '../../src/observers/recording/start-recording.js'
import type { RequestOutcome } from '../../src/outcome/request-outcome.js'

export interface RecordingGateway extends RunningGateway {
  readonly baseURL: string
  readonly recording: Recording
  readonly outcomes: RequestOutcome[]
  readonly logs: string[]
}

/** `yaml` must set dbtype and dbaddr; shutdown() drains requests and flushes the records. */
export async function startRecordingGateway(yaml: string): Promise<RecordingGateway> {
  const { config } = parseConfigText(`address: "127.0.0.1:0"\n${yaml}`, 'test.yaml', {})
  const logs: string[] = []
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) })
  const recording = startRecording({ config, logger })
  if (recording === undefined) throw new Error('the test config has dbtype: none')
  const outcomes: RequestOutcome[] = []
  const gateway = await startGateway({
    config,
    logger,
    recorder: {
      observe: (outcome) => {
        outcomes.push(outcome)
        recording.observe(outcome)
      },
      stats: recording.stats,
      close: (deadlineMs) => recording.close(deadlineMs),
    },
  })
  return { ...gateway, baseURL: `${gateway.url}/v1`, recording, outcomes, logs }
}

/**
 * Polls `check` until it returns true; fails after `timeoutMs`. Generous by default: only a failing test waits this
 * long, and on a busy machine records wait for token estimates while the token table loads (seconds).
 */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
