// Each kind of CORS failure `check` predicts, as a plain node:http answer (the page's origin is
// the request's Origin), so each engine's console can be read for it.
import type { IncomingMessage, ServerResponse } from 'node:http'

type Answer = (req: IncomingMessage, res: ServerResponse, origin: string) => void
export interface Case { name: string, path: string, init: RequestInit, headers?: Record<string, string>, answer: Answer }

/** An answer with these headers ('{page}' stands for the page's origin), this status and body. */
function answer (headers: Record<string, string>, status: number, body?: string): Answer {
  return (req, res, origin) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value.replaceAll('{page}', origin))
    res.statusCode = status
    res.end(body)
  }
}
/** A response to the request itself, with a body. */
const actual = (headers: Record<string, string>): Answer => answer(headers, 200, 'x')
/** A preflight answer, 204 unless said. */
const preflight = (headers: Record<string, string>, status = 204): Answer => answer(headers, status)

export const CASES: Case[] = [
  { name: 'no Access-Control-Allow-Origin', path: '/none', init: {}, answer: actual({}) },
  { name: 'another origin', path: '/wrong', init: {}, answer: actual({ 'access-control-allow-origin': 'https://other.example' }) },
  { name: 'two origins', path: '/two', init: {}, answer: actual({ 'access-control-allow-origin': '{page}, https://other.example' }) },
  { name: "'*' with credentials", path: '/star', init: { credentials: 'include' }, answer: actual({ 'access-control-allow-origin': '*' }) },
  { name: 'no Access-Control-Allow-Credentials', path: '/nocred', init: { credentials: 'include' }, answer: actual({ 'access-control-allow-origin': '{page}' }) },
  {
    name: 'a method not allowed',
    path: '/method',
    init: { method: 'PUT' },
    answer: preflight({ 'access-control-allow-origin': '{page}', 'access-control-allow-methods': 'GET' })
  },
  {
    name: 'a header not allowed',
    path: '/header',
    init: { method: 'PUT', headers: { 'content-type': 'application/json', 'x-debug': '1' } },
    headers: { 'content-type': 'application/json', 'x-debug': '1' },
    answer: preflight({ 'access-control-allow-origin': '{page}', 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'content-type' })
  },
  {
    name: 'a preflight naming another origin',
    path: '/pre-wrong',
    init: { method: 'DELETE' },
    answer: preflight({ 'access-control-allow-origin': 'https://other.example' })
  },
  {
    name: 'a credentialed preflight without Access-Control-Allow-Credentials',
    path: '/pre-nocred',
    init: { method: 'DELETE', credentials: 'include' },
    answer: preflight({ 'access-control-allow-origin': '{page}', 'access-control-allow-methods': 'DELETE' })
  },
  { name: 'a preflight without Access-Control-Allow-Origin', path: '/pre-none', init: { method: 'DELETE' }, answer: preflight({}) },
  {
    name: 'a preflight without an ok status',
    path: '/status',
    init: { method: 'DELETE' },
    answer: preflight({ 'access-control-allow-origin': '{page}', 'access-control-allow-methods': 'DELETE' }, 401)
  },
  {
    name: 'a redirected preflight',
    path: '/redirect',
    init: { method: 'DELETE' },
    answer: preflight({ 'access-control-allow-origin': '{page}', location: '/elsewhere' }, 307)
  },
  {
    name: 'Access-Control-Allow-Methods that is not a list of names',
    path: '/methods-unparsable',
    init: { method: 'PUT' },
    answer: preflight({ 'access-control-allow-origin': '{page}', 'access-control-allow-methods': 'PUT, G E T' })
  },
  {
    name: 'Access-Control-Allow-Headers that is not a list of names',
    path: '/headers-unparsable',
    init: { method: 'PUT', headers: { 'x-debug': '1' } },
    headers: { 'x-debug': '1' },
    answer: preflight({ 'access-control-allow-origin': '{page}', 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'content-type;x-debug' })
  },
  {
    name: 'an empty item in Access-Control-Allow-Methods (skipped: allowed)',
    path: '/methods-empty-item',
    init: { method: 'PUT' },
    answer: preflight({ 'access-control-allow-origin': '{page}', 'access-control-allow-methods': 'PUT,,GET' })
  }
]
