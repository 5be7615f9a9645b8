// Maps an OpenAI chat completions request to an Anthropic Messages request (pure).
// A request that is malformed throws GatewayError `invalid_request` (the client's answer); one that uses what
// the Messages API cannot do throws `upstream_unsupported`, so another upstream may still serve it.
import { GatewayError } from '../../errors/gateway-error.js'
import { isRecord, numberField, recordField, stringField, type JsonRecord } from '../json-fields.js'
import type {
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicRequestBlock,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  AnthropicToolUseBlock,
} from './anthropic-messages.js'

/** Sent when the client gives no `max_tokens`: the Messages API requires one. */
export const defaultMaxTokens = 4096
/** The Messages API's largest temperature; OpenAI's scale goes to 2. */
const maxTemperature = 1

export interface AnthropicTranslation {
  readonly body: AnthropicRequest
  /** `stream_options.include_usage`: end the stream with a usage chunk. */
  readonly includeUsage: boolean
}

export function openaiToAnthropic(request: JsonRecord): AnthropicTranslation {
  refuseUnsupported(request)
  const model = stringField(request, 'model')
  if (model === undefined || model === '') throw invalid('model is required', 'model')
  const { system, messages } = toMessages(request['messages'])
  const body: Record<string, unknown> = { model, max_tokens: maxTokensOf(request), messages }
  if (system.length > 0) body['system'] = system
  const stop = stopSequencesOf(request['stop'])
  if (stop !== undefined) body['stop_sequences'] = stop
  const temperature = numberField(request, 'temperature')
  if (temperature !== undefined) body['temperature'] = Math.min(temperature, maxTemperature)
  const topP = numberField(request, 'top_p')
  if (topP !== undefined) body['top_p'] = topP
  const tools = toolsOf(request['tools'])
  if (tools !== undefined) body['tools'] = tools
  const toolChoice = toolChoiceOf(request['tool_choice'], request['parallel_tool_calls'], tools !== undefined)
  if (toolChoice !== undefined) body['tool_choice'] = toolChoice
  const user = stringField(request, 'user')
  if (user !== undefined && user !== '') body['metadata'] = { user_id: user }
  if (request['stream'] === true) body['stream'] = true
  const streamOptions = recordField(request, 'stream_options')
  return {
    body: body as unknown as AnthropicRequest,
    includeUsage: request['stream'] === true && streamOptions?.['include_usage'] === true,
  }
}

function refuseUnsupported(request: JsonRecord): void {
  const n = request['n']
  if (n !== undefined && n !== null && n !== 1) throw unsupported('n other than 1 (one choice per request)')
  if (request['logprobs'] === true) throw unsupported('logprobs')
  const format = recordField(request, 'response_format')
  if (format !== undefined && format['type'] !== 'text') throw unsupported(`response_format ${String(format['type'])}`)
  if (request['functions'] !== undefined || request['function_call'] !== undefined)
    throw unsupported('the legacy functions/function_call parameters (use tools)')
  const modalities = request['modalities']
  if (request['audio'] !== undefined || (Array.isArray(modalities) && modalities.includes('audio'))) throw unsupported('audio output')
}

function maxTokensOf(request: JsonRecord): number {
  const value = request['max_completion_tokens'] ?? request['max_tokens']
  if (value === undefined || value === null) return defaultMaxTokens
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw invalid('max_tokens must be a positive integer', 'max_tokens')
  return value
}

function stopSequencesOf(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined
  if (typeof stop === 'string') return [stop]
  if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) return stop.length > 0 ? stop : undefined
  throw invalid('stop must be a string or an array of strings', 'stop')
}

function toMessages(messages: unknown): { system: AnthropicTextBlock[]; messages: AnthropicMessage[] } {
  if (!Array.isArray(messages) || messages.length === 0) throw invalid('messages must be a non-empty array', 'messages')
  const system: AnthropicTextBlock[] = []
  const out: { role: 'user' | 'assistant'; content: AnthropicRequestBlock[] }[] = []
  const append = (role: 'user' | 'assistant', blocks: AnthropicRequestBlock[]): void => {
    if (blocks.length === 0) return
    // The Messages API wants user and assistant turns to alternate: consecutive ones of one role become one
    // (which is also where the results of several parallel tool calls must go: one user turn).
    const last = out[out.length - 1]
    if (last !== undefined && last.role === role) last.content.push(...blocks)
    else out.push({ role, content: blocks })
  }
  messages.forEach((message: unknown, i) => {
    const at = `messages[${i}]`
    if (!isRecord(message)) throw invalid(`${at} must be an object`, at)
    const role = message['role']
    switch (role) {
      case 'system':
      case 'developer':
        // The Messages API has one system prompt: system messages anywhere in the list join it, in order.
        system.push(...textBlocks(message['content'], `${at}.content`))
        return
      case 'user':
        append('user', userBlocks(message['content'], `${at}.content`))
        return
      case 'assistant':
        append('assistant', assistantBlocks(message, at))
        return
      case 'tool':
        append('user', [toolResultBlock(message, at)])
        return
      case 'function':
        throw unsupported('messages with role function (use tools)')
      default:
        throw invalid(`${at}.role must be one of system, developer, user, assistant, tool`, `${at}.role`)
    }
  })
  return { system, messages: out }
}

/** Text only (system prompts, tool results): a string or text parts. Empty text is dropped: the API refuses it. */
function textBlocks(content: unknown, at: string): AnthropicTextBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  if (content === null || content === undefined) return []
  if (!Array.isArray(content)) throw invalid(`${at} must be a string or an array of content parts`, at)
  return content.flatMap((part: unknown, i) => textPart(part, `${at}[${i}]`))
}

function textPart(part: unknown, at: string): AnthropicTextBlock[] {
  if (!isRecord(part) || part['type'] !== 'text' || typeof part['text'] !== 'string') throw invalid(`${at} must be a text part here`, at)
  return part['text'] === '' ? [] : [{ type: 'text', text: part['text'] }]
}

function userBlocks(content: unknown, at: string): AnthropicRequestBlock[] {
  if (!Array.isArray(content)) return textBlocks(content, at)
  const blocks: AnthropicRequestBlock[] = []
  content.forEach((part: unknown, i) => {
    const partAt = `${at}[${i}]`
    if (!isRecord(part)) throw invalid(`${partAt} must be an object`, partAt)
    switch (part['type']) {
      case 'text':
        blocks.push(...textPart(part, partAt))
        return
      case 'image_url':
        blocks.push(imageBlock(recordField(part, 'image_url'), partAt))
        return
      case 'input_audio':
      case 'file':
        throw unsupported(`content parts of type ${part['type']}`)
      default:
        throw invalid(`${partAt}.type ${String(part['type'])} is not a content part type`, `${partAt}.type`)
    }
  })
  return blocks
}

const dataUrl = /^data:([^;,]+);base64,(.*)$/s

function imageBlock(imageUrl: JsonRecord | undefined, at: string): AnthropicImageBlock {
  const url = imageUrl === undefined ? undefined : stringField(imageUrl, 'url')
  if (url === undefined) throw invalid(`${at}.image_url.url is required`, `${at}.image_url.url`)
  const inline = dataUrl.exec(url)
  if (inline !== null) return { type: 'image', source: { type: 'base64', media_type: inline[1] as string, data: inline[2] as string } }
  if (url.startsWith('https://') || url.startsWith('http://')) return { type: 'image', source: { type: 'url', url } }
  throw invalid(`${at}.image_url.url must be an http(s) URL or a base64 data URL`, `${at}.image_url.url`)
}

function assistantBlocks(message: JsonRecord, at: string): AnthropicRequestBlock[] {
  const content = message['content']
  const blocks: AnthropicRequestBlock[] = []
  if (Array.isArray(content)) {
    content.forEach((part: unknown, i) => {
      const partAt = `${at}.content[${i}]`
      if (isRecord(part) && part['type'] === 'refusal' && typeof part['refusal'] === 'string') {
        if (part['refusal'] !== '') blocks.push({ type: 'text', text: part['refusal'] })
      } else {
        blocks.push(...textPart(part, partAt))
      }
    })
  } else {
    blocks.push(...textBlocks(content, `${at}.content`))
  }
  const toolCalls = message['tool_calls']
  if (toolCalls !== undefined && toolCalls !== null) {
    if (!Array.isArray(toolCalls)) throw invalid(`${at}.tool_calls must be an array`, `${at}.tool_calls`)
    toolCalls.forEach((call: unknown, i) => blocks.push(toolUseBlock(call, `${at}.tool_calls[${i}]`)))
  }
  return blocks
}

function toolUseBlock(call: unknown, at: string): AnthropicToolUseBlock {
  if (!isRecord(call)) throw invalid(`${at} must be an object`, at)
  const type = call['type']
  if (type !== undefined && type !== 'function') {
    throw unsupported(`tool calls of type ${typeof type === 'string' ? type : JSON.stringify(type)}`)
  }
  const id = stringField(call, 'id')
  const fn = recordField(call, 'function')
  const name = fn === undefined ? undefined : stringField(fn, 'name')
  if (id === undefined || fn === undefined || name === undefined) throw invalid(`${at} needs an id and function.name`, at)
  const args = stringField(fn, 'arguments') ?? ''
  let input: unknown = {}
  if (args.trim() !== '') {
    try {
      input = JSON.parse(args)
    } catch {
      // OpenAI keeps arguments as opaque text; the Messages API needs an object, so this history cannot be sent.
      throw unsupported(`tool call arguments that are not JSON (${at}.function.arguments)`)
    }
  }
  if (!isRecord(input)) throw unsupported(`tool call arguments that are not a JSON object (${at}.function.arguments)`)
  return { type: 'tool_use', id, name, input }
}

function toolResultBlock(message: JsonRecord, at: string): AnthropicToolResultBlock {
  const toolUseId = stringField(message, 'tool_call_id')
  if (toolUseId === undefined) throw invalid(`${at}.tool_call_id is required`, `${at}.tool_call_id`)
  const content = message['content']
  return {
    type: 'tool_result',
    tool_use_id: toolUseId,
    content: typeof content === 'string' ? content : textBlocks(content, `${at}.content`),
  }
}

function toolsOf(tools: unknown): AnthropicTool[] | undefined {
  if (tools === undefined || tools === null) return undefined
  if (!Array.isArray(tools)) throw invalid('tools must be an array', 'tools')
  if (tools.length === 0) return undefined
  return tools.map((tool: unknown, i) => {
    const at = `tools[${i}]`
    if (!isRecord(tool)) throw invalid(`${at} must be an object`, at)
    if (tool['type'] !== 'function') throw unsupported(`tools of type ${String(tool['type'])}`)
    const fn = recordField(tool, 'function')
    const name = fn === undefined ? undefined : stringField(fn, 'name')
    if (fn === undefined || name === undefined) throw invalid(`${at}.function.name is required`, `${at}.function.name`)
    const description = stringField(fn, 'description')
    const parameters = recordField(fn, 'parameters') ?? { type: 'object', properties: {} }
    return description === undefined ? { name, input_schema: parameters } : { name, description, input_schema: parameters }
  })
}

function toolChoiceOf(choice: unknown, parallel: unknown, hasTools: boolean): AnthropicToolChoice | undefined {
  const single = parallel === false ? { disable_parallel_tool_use: true } : {}
  if (choice === undefined || choice === null) return hasTools && parallel === false ? { type: 'auto', ...single } : undefined
  if (choice === 'none') return { type: 'none' }
  if (choice === 'auto') return { type: 'auto', ...single }
  if (choice === 'required') return { type: 'any', ...single }
  if (isRecord(choice) && choice['type'] === 'function') {
    const fn = recordField(choice, 'function')
    const name = fn === undefined ? undefined : stringField(fn, 'name')
    if (name !== undefined) return { type: 'tool', name, ...single }
  }
  throw invalid('tool_choice must be none, auto, required or {"type":"function","function":{"name":...}}', 'tool_choice')
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { status: 400, param })
}

function unsupported(what: string): GatewayError {
  return new GatewayError('upstream_unsupported', `${what} cannot be translated to the Anthropic Messages API`)
}
