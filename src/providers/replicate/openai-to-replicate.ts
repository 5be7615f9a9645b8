// Maps an OpenAI chat completions request to a Replicate prediction request for a Mixtral-style language model
// (pure), with the predecessor's input defaults. Throws GatewayError `invalid_request` for a malformed request
// and `upstream_unsupported` for what a prompt-template model cannot do (tools, images, several choices).
import { GatewayError } from '../../errors/gateway-error.js'
import { isRecord, numberField, recordField, stringField, type JsonRecord } from '../json-fields.js'
import { mixtralPrompt, type PromptMessage } from './mixtral-prompt.js'

/** The predecessor's input defaults. */
export const replicateDefaults = Object.freeze({ max_new_tokens: 1024, top_p: 0.9, top_k: 50 })

export interface ReplicateTranslation {
  /** Under the endpoint: `/models/{owner}/{name}/predictions`. */
  readonly path: string
  readonly body: { readonly stream: boolean; readonly input: Readonly<Record<string, unknown>> }
  readonly includeUsage: boolean
}

/** `owner/name`: Replicate's official-model route. Version pins (`owner/name:version`) are not served. */
const modelName = /^([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)$/

export function openaiToReplicate(request: JsonRecord): ReplicateTranslation {
  const model = stringField(request, 'model') ?? ''
  const match = modelName.exec(model)
  if (match === null) throw unsupported(`the model name "${model}" (expected owner/name)`)
  refuseUnsupported(request)
  const stream = request['stream'] === true
  const input: Record<string, unknown> = {
    prompt: mixtralPrompt(promptMessages(request['messages'])),
    max_new_tokens:
      positiveInteger(request['max_completion_tokens'] ?? request['max_tokens'], 'max_tokens') ?? replicateDefaults.max_new_tokens,
    top_p: numberField(request, 'top_p') ?? replicateDefaults.top_p,
    top_k: replicateDefaults.top_k,
    // The prompt is already templated: the model must not wrap it again.
    prompt_template: '{prompt}',
  }
  for (const name of ['temperature', 'presence_penalty', 'frequency_penalty'] as const) {
    const value = numberField(request, name)
    if (value !== undefined) input[name] = value
  }
  return {
    path: `/models/${match[1]}/${match[2]}/predictions`,
    body: { stream, input },
    includeUsage: stream && recordField(request, 'stream_options')?.['include_usage'] === true,
  }
}

function refuseUnsupported(request: JsonRecord): void {
  const n = request['n']
  if (n !== undefined && n !== null && n !== 1) throw unsupported('n other than 1 (one choice per request)')
  if (Array.isArray(request['tools']) && request['tools'].length > 0) throw unsupported('tools')
  if (request['functions'] !== undefined) throw unsupported('functions')
  if (request['logprobs'] === true) throw unsupported('logprobs')
  const format = recordField(request, 'response_format')
  if (format !== undefined && format['type'] !== 'text') throw unsupported(`response_format ${String(format['type'])}`)
}

function promptMessages(messages: unknown): PromptMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) throw invalid('messages must be a non-empty array', 'messages')
  return messages.map((message: unknown, i): PromptMessage => {
    const at = `messages[${i}]`
    if (!isRecord(message)) throw invalid(`${at} must be an object`, at)
    const role = message['role']
    switch (role) {
      case 'system':
      case 'developer':
        return { role: 'system', text: textOf(message['content'], `${at}.content`) }
      case 'user':
        return { role: 'user', text: textOf(message['content'], `${at}.content`) }
      case 'assistant':
        if (Array.isArray(message['tool_calls']) && message['tool_calls'].length > 0) throw unsupported('assistant tool calls')
        return { role: 'assistant', text: textOf(message['content'], `${at}.content`) }
      case 'tool':
      case 'function':
        throw unsupported(`messages with role ${role}`)
      default:
        throw invalid(`${at}.role must be one of system, developer, user, assistant`, `${at}.role`)
    }
  })
}

function textOf(content: unknown, at: string): string {
  if (typeof content === 'string') return content
  if (content === null || content === undefined) return ''
  if (!Array.isArray(content)) throw invalid(`${at} must be a string or an array of content parts`, at)
  return content
    .map((part: unknown, i) => {
      if (!isRecord(part)) throw invalid(`${at}[${i}] must be an object`, `${at}[${i}]`)
      if (part['type'] === 'text' && typeof part['text'] === 'string') return part['text']
      if (part['type'] === 'refusal' && typeof part['refusal'] === 'string') return part['refusal']
      throw unsupported(`content parts of type ${String(part['type'])} (a prompt-template model reads text only)`)
    })
    .join('')
}

function positiveInteger(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid(`${param} must be a positive integer`, param)
  return value
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { status: 400, param })
}

function unsupported(what: string): GatewayError {
  return new GatewayError('upstream_unsupported', `${what} cannot be translated to a Replicate prediction`)
}
