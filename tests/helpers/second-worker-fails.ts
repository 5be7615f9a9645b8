// Preloaded into a gateway by a test (NODE_OPTIONS=--import=<this file>): the second worker of `--workers N`
// throws as it starts to listen, so the test sees a worker fail at start while its sibling may be serving.
import cluster from 'node:cluster'
import { Server } from 'node:net'

export const injectedFailure = 'injected start failure'

if (cluster.isWorker && cluster.worker?.id === 2) {
  Server.prototype.listen = function listen(): never {
    throw new Error(injectedFailure)
  }
}
