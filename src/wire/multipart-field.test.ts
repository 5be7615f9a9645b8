// The `model` field of a multipart upload, as an audio transcription or an image edit sends it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { multipartBoundary, multipartField } from './multipart-field.js'

const boundary = '----form7MA4YWxkTrZu0gW'
const type = `multipart/form-data; boundary=${boundary}`

function form(parts: ReadonlyArray<{ name: string; value: string; filename?: string }>): Buffer {
  let text = ''
  for (const part of parts) {
    const filename = part.filename === undefined ? '' : `; filename="${part.filename}"`
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\n\r\n${part.value}\r\n`
  }
  return Buffer.from(`${text}--${boundary}--\r\n`)
}

test('the named field after a file part; a file part of that name is not a field', () => {
  const body = form([
    { name: 'file', value: 'RIFF....WAVEfmt model="x"', filename: 'a.wav' },
    { name: 'model', value: 'gpt-4o-transcribe' },
  ])
  assert.equal(multipartField(body, type, 'model'), 'gpt-4o-transcribe')
  assert.equal(multipartField(form([{ name: 'model', value: 'x', filename: 'm.txt' }]), type, 'model'), undefined)
  assert.equal(multipartField(body, type, 'language'), undefined)
})

test('boundaries quoted or not; other content types have none; an oversized value is not read', () => {
  assert.equal(multipartBoundary('multipart/form-data; boundary="a b"'), 'a b')
  assert.equal(multipartBoundary('Multipart/Form-Data;boundary=xyz; charset=utf-8'), 'xyz')
  assert.equal(multipartBoundary('application/json'), undefined)
  assert.equal(multipartField(form([{ name: 'model', value: 'm'.repeat(300) }]), type, 'model'), undefined)
  assert.equal(multipartField(Buffer.from('{"model":"x"}'), 'application/json', 'model'), undefined)
})
