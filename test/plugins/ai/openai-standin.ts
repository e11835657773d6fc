// A stand-in for OpenAI's API on 127.0.0.1:0, laid out as Kong's spec mock is
// (spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:75): it checks
// what the real API checks — the key (Bearer header, `apikey` query or body
// argument), a JSON body with the operation's required field — and answers
// with Kong's fixture bodies. Each request it saw is kept.
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'

const FIXTURES = fileURLToPath(new URL('../../fixtures/kong-ai-proxy/', import.meta.url))
export const fixture = (path: string): string => readFileSync(FIXTURES + path, 'utf8')

export interface Seen {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: string
  json: Record<string, unknown> | undefined
}

export interface StandIn {
  url: string
  seen: Seen[]
  close(): Promise<void>
}

const KEY = 'openai-key'

/** Which field the operation needs, and the fixture it answers with. */
const ROUTES: Record<string, { needs: 'messages' | 'prompt' | 'input'; good: string; bad: string } | undefined> = {
  '/llm/v1/chat/good': { needs: 'messages', good: 'openai/llm-v1-chat/responses/good.json', bad: 'openai/llm-v1-chat/responses/bad_request.json' },
  '/llm/v1/chat/bad_upstream_response': {
    needs: 'messages',
    good: 'openai/llm-v1-chat/responses/bad_upstream_response.json',
    bad: 'openai/llm-v1-chat/responses/bad_request.json',
  },
  '/llm/v1/completions/good': {
    needs: 'prompt',
    good: 'openai/llm-v1-completions/responses/good.json',
    bad: 'openai/llm-v1-completions/responses/bad_request.json',
  },
  '/llm/v1/embeddings/good': { needs: 'input', good: 'openai/llm-v1-embeddings/responses/good.json', bad: 'openai/llm-v1-chat/responses/bad_request.json' },
}

export async function openaiStandIn(): Promise<StandIn> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x')
      const body = Buffer.concat(chunks).toString('utf8')
      let json: Record<string, unknown> | undefined
      try {
        json = JSON.parse(body) as Record<string, unknown>
      } catch {
        json = undefined
      }
      seen.push({ method: req.method ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, body, json })
      const send = (status: number, text: string, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type, 'set-cookie': 'session=openai; Path=/' })
        res.end(text)
      }
      if (u.pathname === '/llm/v1/chat/internal_server_error') return send(500, fixture('openai/llm-v1-chat/responses/internal_server_error.html'), 'text/html')
      if (u.pathname === '/llm/v1/chat/bad_request') return send(400, fixture('openai/llm-v1-chat/responses/bad_request.json'))
      if (u.pathname === '/llm/v1/completions/bad_request') return send(400, fixture('openai/llm-v1-completions/responses/bad_request.json'))
      const route = ROUTES[u.pathname]
      if (!route) return send(404, JSON.stringify({ error: { message: `Unknown path ${u.pathname}` } }))
      const authed = req.headers.authorization === `Bearer ${KEY}` || u.searchParams.get('apikey') === KEY || json?.apikey === KEY
      if (!authed) return send(401, fixture('openai/llm-v1-chat/responses/unauthorized.json'))
      if (json === undefined || json[route.needs] === undefined || json[route.needs] === null || typeof json.model !== 'string')
        return send(400, fixture(route.bad))
      send(200, fixture(route.good))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
