// /healthz (the process is up) and /readyz (it accepts traffic: not draining, some upstream usable), which also names
// the config version the process serves.
import type { ServerResponse } from 'node:http'
import { sendJson } from '../wire/send-error.js'

export function answerHealth(res: ServerResponse, requestId: string): void {
  sendJson(res, 200, '{"status":"ok"}', requestId)
}

export function answerReady(
  res: ServerResponse,
  requestId: string,
  state: { draining: boolean; usableUpstreams: number; recordsReady?: boolean; configVersion: string },
): void {
  const ready = (status: string): string => JSON.stringify({ status, config_version: state.configVersion })
  if (state.draining) sendJson(res, 503, ready('draining'), requestId, ['connection', 'close'])
  else if (state.recordsReady === false) sendJson(res, 503, ready('records database not connected yet'), requestId)
  else if (state.usableUpstreams === 0) sendJson(res, 503, ready('no usable upstreams'), requestId)
  else sendJson(res, 200, ready('ready'), requestId)
}
