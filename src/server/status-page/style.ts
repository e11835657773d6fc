/** The status page's stylesheet: one small sheet, served from the gateway (no CDN, no inline style). */
export const PAGE_CSS = `
:root { color-scheme: light dark; --muted: #6b7280; --bad: #b91c1c; --good: #15803d; --warn: #b45309; --line: #d1d5db; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h1 span { color: var(--muted); font-size: .9rem; font-weight: normal; }
h2 { font-size: 1.15rem; margin: 1.8rem 0 .5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
dl#summary { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
dt { color: var(--muted); }
dd { margin: 0; }
code { font: 12px/1.4 ui-monospace, monospace; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .25rem .5rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); }
.note, #state { color: var(--muted); }
#state.stale { color: var(--bad); }
.applied, .HEALTHY, .ok { color: var(--good); }
.invalid, .unreadable, .UNHEALTHY, .bad { color: var(--bad); font-weight: 600; }
.HEALTHCHECKS_OFF { color: var(--muted); }
#last-error { border: 1px solid var(--bad); border-left-width: 4px; padding: .5rem .75rem; margin: .5rem 0; }
.problem { font: 12px/1.4 ui-monospace, monospace; display: block; }
.chain { display: inline-block; margin: 0 .3rem .15rem 0; padding: 0 .35rem; border: 1px solid var(--line); border-radius: 3px; }
.chain small { color: var(--muted); }
details summary { cursor: pointer; color: var(--muted); }
input#search { width: 22rem; max-width: 100%; padding: .3rem .5rem; margin: 0 .5rem; }
`
