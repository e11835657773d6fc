/**
 * The status page's HTML shell: static markup, no data. The script
 * (script.ts) fills it from the admin listener's JSON; nothing here is
 * inline, so the Content-Security-Policy forbids every inline script.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Gateway status</title>
<link rel="stylesheet" href="/status-page/style.css">
<script type="module" src="/status-page/app.js"></script>
</head>
<body>
<header>
  <h1>Gateway status <span id="version"></span></h1>
  <p id="state" role="status">loading…</p>
  <dl id="summary">
    <dt>Configuration hash</dt><dd><code id="hash">…</code></dd>
    <dt>Loaded at</dt><dd id="loaded-at">…</dd>
    <dt>Host</dt><dd id="host">…</dd>
    <dt>Entities</dt><dd id="entities">…</dd>
    <dt>Reloads</dt><dd id="reload-counts">…</dd>
  </dl>
</header>
<noscript><p>This page needs JavaScript. The same data is JSON at /status, /status/reloads, /status/chains, /status/upstreams, /status/traffic.</p></noscript>
<main>
<section id="workers-section" hidden>
  <h2>Workers</h2>
  <p id="converged"></p>
  <table id="workers"><thead><tr><th>pid</th><th>configuration hash</th><th>state</th></tr></thead><tbody></tbody></table>
</section>
<section id="reloads-section">
  <h2>Reloads</h2>
  <div id="last-error" hidden></div>
  <table id="reloads"><thead><tr><th>at</th><th>result</th><th>hash</th><th>ms</th><th>problems</th></tr></thead><tbody></tbody></table>
  <p id="reloads-empty" class="note">No reload since the gateway started.</p>
</section>
<section id="traffic-section">
  <h2>Traffic</h2>
  <p id="traffic-total"></p>
  <table id="traffic"><thead><tr><th>service</th><th>route</th><th>requests</th><th>req/s</th><th>status</th><th>latency p50 / p95 / p99</th><th>upstream avg</th><th>gateway avg</th></tr></thead><tbody></tbody></table>
  <p id="traffic-note" class="note"></p>
</section>
<section id="config-section">
  <h2>Configuration</h2>
  <label for="search">Filter</label>
  <input type="search" id="search" placeholder="services, routes, consumers, upstreams, plugins" autocomplete="off">
  <span id="search-count"></span>
  <h3>Services</h3>
  <table id="services"><thead><tr><th>name</th><th>upstream URL</th><th>routes</th><th>tags</th></tr></thead><tbody></tbody></table>
  <h3>Routes</h3>
  <table id="routes"><thead><tr><th>name</th><th>service</th><th>methods</th><th>hosts</th><th>paths</th><th>plugins in run order (access phase)</th></tr></thead><tbody></tbody></table>
  <h3>Consumers</h3>
  <table id="consumers"><thead><tr><th>username</th><th>custom_id</th><th>tags</th></tr></thead><tbody></tbody></table>
  <h3>Upstreams</h3>
  <table id="upstreams"><thead><tr><th>name</th><th>algorithm</th><th>health</th><th>targets</th></tr></thead><tbody></tbody></table>
  <h3>Global plugins</h3>
  <div id="global-plugins"></div>
</section>
</main>
</body>
</html>
`
