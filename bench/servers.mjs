// Benchmark server processes (bench/server.mjs), pinned to core 0 when taskset is there and
// the machine has two cores; the load runs in the calling process.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import os from 'node:os'
import autocannon from 'autocannon'

export const pinned = spawnSync('taskset', ['-V']).status === 0 && os.cpus().length >= 2
const server = fileURLToPath(new URL('./server.mjs', import.meta.url))

/** Starts `kind` on `scenario`; resolves with the child process and its port. */
export function startServer (kind, scenario) {
  const args = [process.execPath, server, kind, scenario]
  const child = pinned
    ? spawn('taskset', ['-c', '0', ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    : spawn(args[0], args.slice(1), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('message', (msg) => resolve({ child, port: msg.port }))
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)))
  })
}

export function stopServer (server) {
  if (server === undefined) return
  return new Promise((resolve) => {
    server.child.once('exit', resolve)
    server.child.send('exit')
  })
}

/** The server's own CPU time so far, user and system, in µs. */
export function cpu (server) {
  return new Promise((resolve) => {
    server.child.once('message', (msg) => resolve(msg.cpu.user + msg.cpu.system))
    server.child.send('cpu')
  })
}

export const CONNECTIONS = 10

/** Loads `server` with `request` for `seconds` from this process; resolves with autocannon's result. */
export function load (server, request, seconds) {
  return autocannon({ url: `http://127.0.0.1:${server.port}`, connections: CONNECTIONS, duration: seconds, requests: [request] })
}
