// shared/body.ts: the kind of a body from its Content-Type, in Kong's two ways.
// kong.request.get_body (kong/pdk/request.lua:821-903; key-auth's key_in_body,
// request-termination's echo) reads the media type; request-transformer
// (kong/plugins/request-transformer/access.lua:61-72) and response-transformer
// look for the type anywhere in the header.
import t from 'tap'
import { bodyKind, boundaryOf, parseMultipart } from '../../../src/plugins/shared/body.js'

t.test("bodyKind 'media-type' (get_body): the media type starts with the kind, form first", async (t) => {
  t.equal(bodyKind(undefined), undefined)
  t.equal(bodyKind('application/x-www-form-urlencoded'), 'form')
  t.equal(bodyKind('Application/X-WWW-Form-Urlencoded; charset=utf-8'), 'form', 'case-insensitive, parameters ignored')
  t.equal(bodyKind('application/json'), 'json')
  t.equal(bodyKind('application/json; charset=utf-8'), 'json')
  t.equal(bodyKind('application/json-patch+json'), 'json', 'a prefix match, as Kong find(...) == 1')
  t.equal(bodyKind('multipart/form-data; boundary=x'), 'multipart')
  t.equal(bodyKind('application/vnd.api+json'), undefined, 'a +json suffix is not JSON to get_body')
  t.equal(bodyKind('text/plain; x=application/json'), undefined, 'only the media type counts')
  t.equal(bodyKind('text/plain'), undefined)
  t.equal(bodyKind(''), undefined)
})

t.test("bodyKind 'anywhere' (the transformers): a substring, JSON first", async (t) => {
  t.equal(bodyKind(undefined, 'anywhere'), undefined)
  t.equal(bodyKind('application/json; charset=utf-8', 'anywhere'), 'json')
  t.equal(bodyKind('APPLICATION/JSON', 'anywhere'), 'json')
  t.equal(bodyKind('text/plain; x=application/json', 'anywhere'), 'json', 'anywhere in the header')
  t.equal(bodyKind('multipart/form-data; boundary=application/json', 'anywhere'), 'json', 'JSON is tried first')
  t.equal(bodyKind('multipart/form-data; boundary=x', 'anywhere'), 'multipart')
  t.equal(bodyKind('application/x-www-form-urlencoded', 'anywhere'), 'form')
  t.equal(bodyKind('application/vnd.api+json', 'anywhere'), undefined)
})

t.test('boundaryOf and parseMultipart: text fields, files skipped, repeats listed', async (t) => {
  t.equal(boundaryOf('multipart/form-data; boundary=XyZ'), 'XyZ')
  t.equal(boundaryOf('multipart/form-data; BOUNDARY="a b"; charset=utf-8'), 'a b')
  t.equal(boundaryOf('multipart/form-data'), undefined)
  const body =
    '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\none\r\n' +
    '--B\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\nfile\r\n' +
    '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\ntwo\r\n--B--\r\n'
  t.same(parseMultipart(body, 'B'), { a: ['one', 'two'] })
})
