// The real gateway in this process, started from a config file the test rewrites and reloads, with its log lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { loadConfigFile } from '../../src/config/load-config.js'
import { startGateway, type RunningGateway } from '../../src/gateway.js'
import { createLogger } from '../../src/log/logger.js'

export interface ReloadableGateway {
  readonly gateway: RunningGateway
  /** `http://127.0.0.1:PORT/v1`. */
  readonly baseURL: string
  readonly file: string
  /** Replaces the config file's text (`address: 127.0.0.1:0` stays first). */
  write(yaml: string): void
  readonly logs: string[]
}

export async function startReloadableGateway(t: TestContext, yaml: string): Promise<ReloadableGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'oar-reload-'))
  const file = join(dir, 'config.yaml')
  const write = (text: string): void => writeFileSync(file, `address: "127.0.0.1:0"\n${text}`)
  write(yaml)
  const logs: string[] = []
  const gateway = await startGateway({
    config: loadConfigFile(file, {}).config,
    logger: createLogger({ level: 'info', write: (line) => logs.push(line) }),
    loadConfig: () => loadConfigFile(file, {}),
  })
  t.after(async () => {
    await gateway.shutdown(1000)
    rmSync(dir, { recursive: true, force: true })
  })
  return { gateway, baseURL: `${gateway.url}/v1`, file, write, logs }
}

/** Two upstreams' config, one client key, and the upstream list in the given order. */
export function upstreamsYaml(clientKey: string, upstreams: ReadonlyArray<{ name: string; endpoint: string }>, extra = ''): string {
  const lines = [`authorization: ${clientKey}`, 'upstreams:']
  for (const u of upstreams) lines.push(`  - name: ${u.name}`, `    sk: sk-${u.name}-key`, `    endpoint: ${u.endpoint}`)
  return `${lines.join('\n')}\n${extra}`
}
