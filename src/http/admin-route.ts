// `/admin/*`: the gateway's operator endpoints, behind `admin.keys` (apart from client keys): `POST /admin/reload`
// reloads the config file. Without admin keys every admin path answers 404, as if it did not exist. Every admin
// request is logged: who (the key's fingerprint, never the key), what, and the result.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extractClientKey } from '../auth/authenticate.js'
import { keyDigest, keyFingerprint } from '../auth/key-digest.js'
import type { ReloadResult } from '../config/reload-result.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { Logger } from '../log/logger.js'
import { sendError, sendJson } from '../wire/send-error.js'

export const adminPrefix = '/admin/'
export const reloadPath = '/admin/reload'

export interface AdminRouteDeps {
  /** SHA-256 of each admin key; undefined: no `admin.keys`, the endpoints answer 404. */
  readonly adminDigests: ReadonlySet<string> | undefined
  /** Reloads the config, in every worker of the group; resolves with this process's result. */
  readonly reloadConfig: () => Promise<ReloadResult>
  readonly logger: Logger
}

export async function answerAdmin(
  deps: AdminRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  options: { readonly pathname: string; readonly requestId: string },
): Promise<void> {
  const { pathname, requestId } = options
  req.resume()
  const what = `${req.method ?? ''} ${pathname}`
  const key = extractClientKey(req.headers.authorization)
  const digest = key === '' ? undefined : keyDigest(key)
  const log = (result: string, fields: Record<string, unknown> = {}): void =>
    deps.logger.info('admin request', { requestId, who: digest === undefined ? 'none' : keyFingerprint(digest), what, result, ...fields })
  if (deps.adminDigests === undefined) {
    log('not_found')
    sendError(res, new GatewayError('not_found', `Unknown path ${pathname}: the API is served under /v1/`), requestId)
    return
  }
  if (digest === undefined || !deps.adminDigests.has(digest)) {
    log('refused')
    sendError(
      res,
      new GatewayError('invalid_api_key', 'The admin endpoints need an admin key: send it as Authorization: Bearer <key>.'),
      requestId,
      ['www-authenticate', 'Bearer'],
    )
    return
  }
  if (pathname !== reloadPath) {
    log('not_found')
    sendError(res, new GatewayError('not_found', `Unknown admin path ${pathname}; the admin endpoint is POST ${reloadPath}.`), requestId)
    return
  }
  if (req.method !== 'POST') {
    log('method_not_allowed')
    sendError(res, new GatewayError('method_not_allowed', `Use POST to reload the config, not ${req.method ?? 'no method'}.`), requestId, [
      'allow',
      'POST',
    ])
    return
  }
  const result = await deps.reloadConfig()
  if (result.result === 'ok') {
    log('ok', { version: result.version })
    const body = {
      result: 'ok',
      version: result.version,
      previous_version: result.previousVersion,
      restart_only: result.restartOnly,
      warnings: result.warnings,
    }
    sendJson(res, 200, JSON.stringify(body), requestId)
  } else {
    log('error', { problems: result.problems.length })
    sendJson(res, 400, JSON.stringify({ result: 'error', version: result.version, problems: result.problems }), requestId)
  }
}
