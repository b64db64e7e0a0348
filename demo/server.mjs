import { startDemo } from './app.mjs'

const demo = await startDemo({
  apiPort: Number(process.env.API_PORT ?? 3000),
  pagePort: Number(process.env.PAGE_PORT ?? 3001),
  // Another port of localhost is another origin of the same site (so the demo's cookie works), on
  // Linux and macOS; PAGE_HOST=127.0.0.1 makes it another site too.
  pageHost: process.env.PAGE_HOST ?? 'localhost',
  logger: { level: process.env.LOG_LEVEL ?? 'info' }
})
process.stdout.write(`\nAPI:  ${demo.apiOrigin}\nPage: ${demo.pageUrl}  <- open this in a browser\n\nCtrl+C to stop.\n`)
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { demo.close().then(() => process.exit(0)) })
