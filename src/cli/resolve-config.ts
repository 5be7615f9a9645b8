// Which configuration to run: -config FILE, else ./config.yaml when it exists, else the environment.
import { existsSync } from 'node:fs'
import { configFromEnvironment, environmentSource } from '../config/env-config.js'
import { loadConfigFile, type LoadedConfig } from '../config/load-config.js'

export const defaultConfigPath = './config.yaml'

export function resolveConfig(configPath: string | undefined, env: NodeJS.ProcessEnv): LoadedConfig {
  if (configPath !== undefined) return loadConfigFile(configPath, env)
  if (existsSync(defaultConfigPath)) return loadConfigFile(defaultConfigPath, env)
  return configFromEnvironment(env)
}

/** The config again, from where it came at start (`source`: a file path, or the environment). */
export function reloadConfig(source: string, env: NodeJS.ProcessEnv): LoadedConfig {
  return source === environmentSource ? configFromEnvironment(env) : loadConfigFile(source, env)
}
