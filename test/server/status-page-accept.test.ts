// Issue 18, item 3: who gets the status page at / and who keeps Kong's JSON. A
// browser names text/html and ranks it above everything else; API clients send no
// Accept, */*, or application/json, and a client that ranks JSON and HTML equal
// keeps JSON (what it got before the page existed).
import t from 'tap'
import { prefersHtml } from '../../src/server/status-page/index.js'

t.test('browsers get the page', async (t) => {
  for (const accept of [
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8', // Chromium, Firefox
    'text/html',
    'application/json;q=0.5, text/html',
    'TEXT/HTML; q=0.9, */*; q=0.1',
  ])
    t.ok(prefersHtml(accept), accept)
})

t.test('API clients keep JSON', async (t) => {
  for (const accept of [
    undefined,
    '',
    '*/*',
    'application/json',
    'application/json, text/html',
    'text/html;q=0.5, application/json',
    'text/*',
    'text/html;q=0',
    'application/*, text/html;q=0.9',
  ])
    t.notOk(prefersHtml(accept), String(accept))
})
