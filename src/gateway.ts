// Assembles a running gateway from a config: the HTTP server, the relay's parts, observers, and shutdown.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Authenticator } from './auth/authenticate.js'
import type { GatewayConfig } from './config/gateway-config.js'
import { listenError } from './errors/startup-error.js'
import { tooLarge } from './http/read-body.js'
import { createRequestListener } from './http/gateway-app.js'
import { refuseBody } from './http/refuse-body.js'
import { requestIdFor } from './http/request-id.js'
import type { Logger } from './log/logger.js'
import type { WorkerLink } from './cluster/worker-link.js'
import { OrderedOutcomes } from './observers/ordered-outcomes.js'
import { startObservability, type Observability } from './observers/observability.js'
import { AdapterRegistry } from './providers/adapter-registry.js'
import type { OutcomeObserver, RequestOutcome } from './relay/request-outcome.js'
import { UpstreamClients } from './relay/upstream-clients.js'
import { systemClock, type Clock } from './time/clock.js'
import { WorkerTokenEstimator } from './tokens/token-estimator.js'

/** How long shutdown waits for outcomes whose token estimates are still being counted. */
const outcomeDrainMs = 5_000

export interface GatewayOptions {
  readonly config: GatewayConfig
  readonly logger: Logger
  readonly observers?: readonly OutcomeObserver[]
  /** Run in order by shutdown() once no request is in flight (so every outcome has been observed), e.g. to flush records. */
  readonly onShutdown?: ReadonlyArray<() => Promise<void>>
  readonly clock?: Clock
  readonly random?: () => number
  /** Set in a worker of `--workers N`: alerts and scrapes go through the primary. */
  readonly link?: WorkerLink
}

export interface RunningGateway {
  readonly server: Server
  /** `http://host:port` the gateway listens on. */
  readonly url: string
  readonly address: AddressInfo
  /** Metrics, alerts and the request log; `attachRecordQueue` connects a record writer to them. */
  readonly observability: Observability
  /** Resolves once every finished request's outcome has reached the observers (some wait for a token estimate). */
  outcomesSettled(): Promise<void>
  /** Stop accepting, let in-flight requests finish within the deadline, then close everything. */
  shutdown(deadlineMs?: number): Promise<void>
}

/** How long shutdown waits, at most, for alert messages still on their way. */
const alertFlushMs = 5_000

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config, logger } = options
  const clock = options.clock ?? systemClock
  const clients = new UpstreamClients()
  const adapters = new AdapterRegistry(clients, clock)
  const authenticator = new Authenticator(config.upstreams)
  const observability = startObservability({ config, logger, clock, ...(options.link === undefined ? {} : { link: options.link }) })
  const observers = [...observability.observers, ...(options.observers ?? [])]
  const tokens = new WorkerTokenEstimator((error) => logger.warn('token encoding could not be loaded; estimates use 4 characters per token', { error: String(error) }))
  let draining = false
  let inFlight = 0
  let idle: (() => void) | undefined

  for (const upstream of config.upstreams) {
    if (!adapters.has(upstream)) logger.warn(`upstream ${upstream.name} has type ${upstream.type}, which this version cannot reach yet: skipped`)
  }

  const ordered = new OrderedOutcomes((outcome) => observe(outcome))
  const observe = (outcome: RequestOutcome): void => {
    for (const observer of observers) {
      try {
        observer(outcome)
      } catch (error) {
        logger.error('an observer failed', { requestId: outcome.requestId, error: String(error) })
      }
    }
  }
  const listener = createRequestListener({
    config,
    authenticator,
    adapters,
    clock,
    random: options.random ?? Math.random,
    observe: (outcome) => ordered.push(outcome),
    draining: () => draining,
    tokens,
    logger,
    usableUpstreams: config.upstreams.filter((u) => adapters.has(u)).length,
    metrics: observability.endpoint,
    inFlight: observability.inFlight,
  })
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 60_000, requestTimeout: 0 }, (req: IncomingMessage, res: ServerResponse) => {
    inFlight++
    res.once('close', () => {
      inFlight--
      if (inFlight === 0) idle?.()
    })
    listener(req, res)
  })
  // A declared body over the limit is refused before the client sends it (Expect: 100-continue).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > config.maxBodyBytes) {
      // A client that sends the body anyway after waiting (curl does after 1 s) must still read this answer.
      refuseBody(req, res, tooLarge(config.maxBodyBytes), requestIdFor(req.headers['x-request-id']), clock)
      return
    }
    res.writeContinue()
    server.emit('request', req, res)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.listen.port, config.listen.host === '' ? undefined : config.listen.host, () => {
      server.off('error', reject)
      resolve()
    })
  }).catch(async (error: unknown) => {
    await observability.close(0)
    throw listenError(error, config.listen)
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address

  let shuttingDown: Promise<void> | undefined
  const shutdown = (deadlineMs = config.shutdownTimeoutMs): Promise<void> => {
    shuttingDown ??= (async () => {
      draining = true
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadlineMs)
          idle = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
      server.closeAllConnections()
      await closed
      await clients.close()
      // Outcomes still waiting for a token estimate are observed (and recorded) before the counter stops.
      await Promise.race([ordered.drained(), new Promise<void>((resolve) => setTimeout(resolve, outcomeDrainMs).unref())])
      await tokens.close()
      for (const hook of options.onShutdown ?? []) {
        try {
          await hook()
        } catch (error) {
          logger.error('a shutdown step failed', { error: String(error) })
        }
      }
      // Alerts raised while draining (an upstream failing at the end) still get a moment to go out.
      await observability.close(Math.min(deadlineMs, alertFlushMs))
    })()
    return shuttingDown
  }

  return { server, url: `http://${host}:${address.port}`, address, observability, outcomesSettled: () => ordered.drained(), shutdown }
}
