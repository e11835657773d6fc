// Local stand-ins for the services the request-callout examples call, so they
// run offline: :9001 answers /uuid, /users/1, /posts?userId=, POST /oauth/token;
// :9000 and :9002 echo the request (method, url, headers) as JSON.
//
//   node examples/request-callout/demo-servers.mjs
import { createServer } from 'node:http'
import { randomUUID } from 'node:crypto'

const json = (res, status, body) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

const POSTS = [
  { userId: 1, id: 1, title: 'sunt aut facere' },
  { userId: 1, id: 2, title: 'qui est esse' },
  { userId: 2, id: 11, title: 'et ea vero quia laudantium' },
]

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1:9001')
  if (url.pathname === '/uuid') return json(res, 200, { uuid: randomUUID() })
  if (url.pathname === '/users/1') return json(res, 200, { id: 1, name: 'Leanne Graham', username: 'Bret' })
  if (url.pathname === '/posts') return json(res, 200, POSTS)
  if (url.pathname === '/oauth/token' && req.method === 'POST') {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const form = JSON.parse(body || '{}')
      if (form.client_id !== 'demo' || form.client_secret !== 's3cret') return json(res, 401, { error: 'invalid_client' })
      json(res, 200, { access_token: 'tok-123', token_type: 'Bearer', expires_in: 300 })
    })
    return
  }
  json(res, 404, { error: 'not found' })
}).listen(9001, '127.0.0.1')

for (const port of [9000, 9002]) {
  createServer((req, res) => json(res, 200, { method: req.method, url: `http://127.0.0.1:${port}${req.url}`, headers: req.headers })).listen(port, '127.0.0.1')
}
console.log('demo servers on 127.0.0.1:9000, 9001, 9002')
