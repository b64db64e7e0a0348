import type { FastifyInstance } from 'fastify'
export function buildApi (pageOrigin: string, logger?: unknown): FastifyInstance
export function pageHtml (apiOrigin: string, otherOrigin: string): string
export function otherSiteHtml (apiOrigin: string): string
export function startDemo (options?: { apiPort?: number, pagePort?: number, pageHost?: string, logger?: unknown }): Promise<{ pageUrl: string, apiOrigin: string, close: () => Promise<void> }>
