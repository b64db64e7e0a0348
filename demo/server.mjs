import { startDemo } from './app.mjs'

const demo = await startDemo({
  apiPort: Number(process.env.API_PORT ?? 3000),
  pagePort: Number(process.env.PAGE_PORT ?? 3001),
  // The page and the API must be two origins: 127.0.0.1 and localhost are, on Linux and macOS.
  pageHost: process.env.PAGE_HOST ?? '127.0.0.1',
  logger: { level: process.env.LOG_LEVEL ?? 'info' }
})
process.stdout.write(`\nAPI:  ${demo.apiOrigin}\nPage: ${demo.pageUrl}  <- open this in a browser\n\nCtrl+C to stop.\n`)
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { demo.close().then(() => process.exit(0)) })
