#!/usr/bin/env node
// The command; lib/cli.ts holds it (built to dist/esm/cli.js).
import { main } from '../dist/esm/cli.js'

process.exitCode = await main(process.argv.slice(2))
