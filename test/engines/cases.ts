// Each kind of CORS failure `check` predicts, as a plain node:http answer (the page's origin is
// the request's Origin), so each engine's console can be read for it.
import type { IncomingMessage, ServerResponse } from 'node:http'

type Answer = (req: IncomingMessage, res: ServerResponse, origin: string) => void
export interface Case { name: string, path: string, init: RequestInit, headers?: Record<string, string>, answer: Answer }

export const CASES: Case[] = [
  { name: 'no Access-Control-Allow-Origin', path: '/none', init: {}, answer: (req, res) => { res.end('x') } },
  { name: 'another origin', path: '/wrong', init: {}, answer: (req, res) => { res.setHeader('access-control-allow-origin', 'https://other.example'); res.end('x') } },
  { name: 'two origins', path: '/two', init: {}, answer: (req, res, o) => { res.setHeader('access-control-allow-origin', `${o}, https://other.example`); res.end('x') } },
  { name: "'*' with credentials", path: '/star', init: { credentials: 'include' }, answer: (req, res) => { res.setHeader('access-control-allow-origin', '*'); res.end('x') } },
  { name: 'no Access-Control-Allow-Credentials', path: '/nocred', init: { credentials: 'include' }, answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.end('x') } },
  {
    name: 'a method not allowed',
    path: '/method',
    init: { method: 'PUT' },
    answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.setHeader('access-control-allow-methods', 'GET'); res.statusCode = 204; res.end() }
  },
  {
    name: 'a header not allowed',
    path: '/header',
    init: { method: 'PUT', headers: { 'content-type': 'application/json', 'x-debug': '1' } },
    headers: { 'content-type': 'application/json', 'x-debug': '1' },
    answer: (req, res, o) => {
      res.setHeader('access-control-allow-origin', o)
      res.setHeader('access-control-allow-methods', 'PUT')
      res.setHeader('access-control-allow-headers', 'content-type')
      res.statusCode = 204
      res.end()
    }
  },
  {
    name: 'a preflight naming another origin',
    path: '/pre-wrong',
    init: { method: 'DELETE' },
    answer: (req, res) => { res.setHeader('access-control-allow-origin', 'https://other.example'); res.statusCode = 204; res.end() }
  },
  {
    name: 'a credentialed preflight without Access-Control-Allow-Credentials',
    path: '/pre-nocred',
    init: { method: 'DELETE', credentials: 'include' },
    answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.setHeader('access-control-allow-methods', 'DELETE'); res.statusCode = 204; res.end() }
  },
  { name: 'a preflight without Access-Control-Allow-Origin', path: '/pre-none', init: { method: 'DELETE' }, answer: (req, res) => { res.statusCode = 204; res.end() } },
  {
    name: 'a preflight without an ok status',
    path: '/status',
    init: { method: 'DELETE' },
    answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.setHeader('access-control-allow-methods', 'DELETE'); res.statusCode = 401; res.end() }
  },
  {
    name: 'a redirected preflight',
    path: '/redirect',
    init: { method: 'DELETE' },
    answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.statusCode = 307; res.setHeader('location', '/elsewhere'); res.end() }
  },
  {
    name: 'Access-Control-Allow-Methods that is not a list of names',
    path: '/methods-unparsable',
    init: { method: 'PUT' },
    answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.setHeader('access-control-allow-methods', 'PUT, G E T'); res.statusCode = 204; res.end() }
  },
  {
    name: 'Access-Control-Allow-Headers that is not a list of names',
    path: '/headers-unparsable',
    init: { method: 'PUT', headers: { 'x-debug': '1' } },
    headers: { 'x-debug': '1' },
    answer: (req, res, o) => {
      res.setHeader('access-control-allow-origin', o)
      res.setHeader('access-control-allow-methods', 'PUT')
      res.setHeader('access-control-allow-headers', 'content-type;x-debug')
      res.statusCode = 204
      res.end()
    }
  },
  {
    name: 'an empty item in Access-Control-Allow-Methods (skipped: allowed)',
    path: '/methods-empty-item',
    init: { method: 'PUT' },
    answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.setHeader('access-control-allow-methods', 'PUT,,GET'); res.statusCode = 204; res.end() }
  }
]
