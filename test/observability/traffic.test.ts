// Issue 18, item 3: the status page's traffic comes from the exposition the admin
// /metrics serves: the prometheus plugin's request counter and latency histograms,
// summed per service and route (with --workers the primary's text is already the
// workers' sum), everything else skipped.
import t from 'tap'
import { trafficOf } from '../../src/observability/traffic.js'

const TEXT = `# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong
# TYPE kong_http_requests_total counter
kong_http_requests_total{service="billing",route="invoices",code="200",source="service",workspace="default",consumer=""} 7
kong_http_requests_total{service="billing",route="invoices",code="401",source="kong",workspace="default",consumer=""} 2
kong_http_requests_total{service="billing",route="invoices",code="200",source="service",workspace="default",consumer="alice"} 1
kong_http_requests_total{service="a \\"quoted\\" one",route="r",code="503",source="kong",workspace="default",consumer=""} 1
# TYPE kong_request_latency_ms histogram
kong_request_latency_ms_bucket{service="billing",route="invoices",workspace="default",le="25"} 4
kong_request_latency_ms_bucket{service="billing",route="invoices",workspace="default",le="50"} 9
kong_request_latency_ms_bucket{service="billing",route="invoices",workspace="default",le="+Inf"} 10
kong_request_latency_ms_sum{service="billing",route="invoices",workspace="default"} 310
kong_request_latency_ms_count{service="billing",route="invoices",workspace="default"} 10
kong_upstream_latency_ms_sum{service="billing",route="invoices",workspace="default"} 200
kong_upstream_latency_ms_count{service="billing",route="invoices",workspace="default"} 7
process_cpu_seconds_total 12
kong_nginx_requests_total{node_id="x",subsystem="http"} 99
`

t.test('requests and latency per service and route', async (t) => {
  const traffic = trafficOf(TEXT)
  t.equal(traffic.status_code_metrics, true)
  t.equal(traffic.latency_metrics, true)
  const billing = traffic.routes.find((r) => r.route === 'invoices')!
  t.equal(billing.service, 'billing')
  t.equal(billing.requests, 10, 'every consumer and code summed')
  t.same(billing.codes, { '2xx': 8, '4xx': 2 })
  t.same(billing.latency.request, {
    count: 10,
    sum: 310,
    buckets: [
      [25, 4],
      [50, 9],
      [Infinity, 10],
    ],
  })
  t.same(billing.latency.upstream, { count: 7, sum: 200, buckets: [] })
  t.equal(billing.latency.kong, undefined)
  t.same(traffic.routes.find((r) => r.route === 'r')?.service, 'a "quoted" one', 'label escapes read back')
})

t.test('without the prometheus plugin: nothing, and it says so', async (t) => {
  t.same(trafficOf('process_cpu_seconds_total 1\nkong_nginx_requests_total{node_id="x",subsystem="http"} 3\n'), {
    routes: [],
    status_code_metrics: false,
    latency_metrics: false,
  })
})
