// parseArgs: Go-style and GNU-style flags, the subcommands, and what is refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseArgs, UsageError } from './parse-args.js'

test('no arguments: serve with the default config', () => {
  assert.deepEqual(parseArgs([]), {
    command: 'serve',
    configPath: undefined,
    list: false,
    dbLog: false,
    workers: undefined,
    connect: false,
  })
})

test('the config path is taken as -config FILE, --config FILE, --config=FILE and -config=FILE', () => {
  for (const argv of [['-config', 'a.yaml'], ['--config', 'a.yaml'], ['--config=a.yaml'], ['-config=a.yaml']]) {
    assert.equal(parseArgs(argv).configPath, 'a.yaml', argv.join(' '))
  }
  assert.equal(parseArgs(['--config=x=y.yaml']).configPath, 'x=y.yaml')
})

test('subcommands and boolean flags', () => {
  assert.equal(parseArgs(['check', '-config', 'c.yaml']).command, 'check')
  assert.equal(parseArgs(['-config', 'c.yaml', 'check']).configPath, 'c.yaml')
  assert.equal(parseArgs(['serve']).command, 'serve')
  assert.equal(parseArgs(['-list']).list, true)
  assert.equal(parseArgs(['--list']).list, true)
  assert.equal(parseArgs(['-dblog']).dbLog, true)
  for (const argv of [['--help'], ['-help'], ['-h'], ['help'], ['serve', '--help']]) {
    assert.equal(parseArgs(argv).command, 'help', argv.join(' '))
  }
  assert.equal(parseArgs(['--workers', '4']).workers, 4)
})

test('--version and -version print the version; --help wins over it', () => {
  assert.equal(parseArgs(['--version']).command, 'version')
  assert.equal(parseArgs(['-version']).command, 'version')
  assert.equal(parseArgs(['--version', '--help']).command, 'help')
  assert.equal(parseArgs(['--help', '--version']).command, 'help')
  assert.throws(() => parseArgs(['--version=1']), UsageError)
})

test('unknown flags, stray arguments and missing values are usage errors', () => {
  const refused: string[][] = [
    ['--nope'],
    ['-c', 'x'],
    ['serve', 'check'],
    ['extra'],
    ['-config'],
    ['--config='],
    ['-list=true'],
    ['--workers', '0'],
    ['--workers', 'two'],
  ]
  for (const argv of refused) {
    assert.throws(
      () => parseArgs(argv),
      (error: unknown) => error instanceof UsageError && error.code === 'CLI_USAGE',
      argv.join(' '),
    )
  }
})

test('check --connect asks for a login to the records database', () => {
  assert.equal(parseArgs(['check', '--connect']).connect, true)
  assert.equal(parseArgs(['check', '-connect', '-config', 'x.yaml']).connect, true)
  assert.throws(() => parseArgs(['--connect=yes']), UsageError)
})
