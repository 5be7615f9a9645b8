// Finds an executable on PATH (and in the sbin directories, where Debian puts nginx), and installs missing
// Debian packages the benchmark needs.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

const sbinDirs = ['/usr/local/sbin', '/usr/sbin', '/sbin']

export function findCommand(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== ''), ...sbinDirs]
  for (const dir of dirs) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not in this directory: try the next
    }
  }
  return undefined
}

const installTimeoutMs = 300_000

/**
 * The path of `command`, installing the first of `packages` that Debian's apt-get can install when it is missing.
 * Undefined (with the reason written to stderr) when it is missing and cannot be installed: not root, no apt-get,
 * or no package installs. Installing a server package on a machine whose init starts services may start the
 * distribution's own service too (nginx on port 80); the benchmark neither uses nor stops it.
 */
export function ensureCommand(command: string, packages: readonly string[], log: (line: string) => void): string | undefined {
  const found = findCommand(command)
  if (found !== undefined) return found
  const aptGet = findCommand('apt-get')
  const manual = `apt-get install -y ${packages[0] ?? command}`
  if (aptGet === undefined) {
    log(`${command} is not installed and there is no apt-get here: install it by hand (Debian: ${manual})`)
    return undefined
  }
  if (process.getuid?.() !== 0) {
    log(`${command} is not installed and installing needs root: run \`sudo ${manual}\` first`)
    return undefined
  }
  const install = (pkg: string): boolean => {
    log(`${command} is not installed: installing Debian's ${pkg} (apt-get install -y ${pkg}) ...`)
    const result = spawnSync(aptGet, ['install', '-y', '--no-install-recommends', pkg], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: installTimeoutMs,
      encoding: 'utf8',
    })
    if (result.status === 0) return true
    log(`  apt-get install ${pkg} failed: ${(result.stderr ?? String(result.error ?? '')).trim().split('\n').slice(-2).join(' / ')}`)
    return false
  }
  const tryAll = (): boolean => packages.some((pkg) => install(pkg) && findCommand(command) !== undefined)
  if (!tryAll()) {
    log('  refreshing the package lists (apt-get update) and trying again ...')
    spawnSync(aptGet, ['update'], { stdio: 'ignore', timeout: installTimeoutMs })
    if (!tryAll()) {
      log(`  could not install ${command}: the targets and scenarios that need it are left out`)
      return undefined
    }
  }
  const installed = findCommand(command)
  if (installed !== undefined) log(`  installed ${installed}`)
  return installed
}
