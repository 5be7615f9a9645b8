// /healthz (the process is up) and /readyz (it accepts traffic: not draining, some upstream usable).
import type { ServerResponse } from 'node:http'
import { sendJson } from '../wire/send-error.js'

export function answerHealth(res: ServerResponse, requestId: string): void {
  sendJson(res, 200, '{"status":"ok"}', requestId)
}

export function answerReady(
  res: ServerResponse,
  requestId: string,
  state: { draining: boolean; usableUpstreams: number; recordsReady?: boolean },
): void {
  if (state.draining) sendJson(res, 503, '{"status":"draining"}', requestId, ['connection', 'close'])
  else if (state.recordsReady === false) sendJson(res, 503, '{"status":"records database not connected yet"}', requestId)
  else if (state.usableUpstreams === 0) sendJson(res, 503, '{"status":"no usable upstreams"}', requestId)
  else sendJson(res, 200, '{"status":"ready"}', requestId)
}
