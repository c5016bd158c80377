// The dashboard's static assets, embedded in the binary so that it works offline: no CDN, no web font,
// no script fetched from anywhere (system fonts only). app.js follows the watch through Server-Sent
// Events (/events) and swaps in the re-rendered <main>; actions open a confirmation dialog and POST with
// the session token in the X-Modelops-Token header.
// Thread-safety: constants.
#pragma once

namespace modelops::plugin::dashboard::assets {

inline constexpr const char* kCss = R"CSS(
:root{--bg:#fbfbfc;--fg:#1c1e21;--muted:#5f6670;--card:#fff;--line:#d9dde3;--accent:#2563eb;
--canary:#d97706;--stable:#2563eb;--good:#15803d;--busy:#b45309;--bad:#b91c1c;--grid:#e5e7eb;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--fg:#e6e8eb;--muted:#9aa3ad;--card:#181c21;--line:#2c323a;
--accent:#60a5fa;--canary:#fbbf24;--stable:#60a5fa;--good:#4ade80;--busy:#fbbf24;--bad:#f87171;--grid:#262b33}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
header{display:flex;gap:1rem;align-items:center;padding:.6rem 1.2rem;border-bottom:1px solid var(--line);background:var(--card);position:sticky;top:0;z-index:2}
.brand{font-weight:700;color:var(--fg);text-decoration:none}.scope{color:var(--muted)}.live{margin-left:auto;color:var(--muted);font-size:12px}
.live.on{color:var(--good)}main{padding:1rem 1.2rem;max-width:1280px;margin:0 auto}a{color:var(--accent)}
table{border-collapse:collapse;width:100%;background:var(--card);margin:.4rem 0 1rem}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.value,td.lower,td.upper,td.samples,td.weights{font-variant-numeric:tabular-nums}
.phase{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:12px;font-weight:600;border:1px solid currentColor}
.phase.good{color:var(--good)}.phase.busy{color:var(--busy)}.phase.bad{color:var(--bad)}.phase.neutral{color:var(--muted)}
.filters{display:flex;gap:1rem;margin:.2rem 0 .6rem}select,button{font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.25rem .6rem}
button{cursor:pointer}button:hover{border-color:var(--accent)}button.danger{border-color:var(--bad);color:var(--bad)}
.summary h1{font-size:1.4rem;margin:.2rem 0}.summary h1 small{color:var(--muted);font-weight:400;font-size:.9rem}
.message{white-space:pre-wrap;color:var(--muted);margin:.2rem 0 .6rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}.facts dt{color:var(--muted)}.facts dd{margin:0}
.bar{height:6px;background:var(--stable);border-radius:3px;max-width:320px;margin-top:.25rem;overflow:hidden}.bar div{height:100%;background:var(--canary)}
.actions{display:flex;flex-wrap:wrap;gap:.4rem;margin:.6rem 0}
.timeline{display:flex;flex-wrap:wrap;list-style:none;padding:0;margin:.4rem 0;gap:.3rem}
.timeline li{padding:.25rem .6rem;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--muted)}
.timeline li.done{color:var(--fg)}.timeline li.done::before{content:"✓ ";color:var(--good)}
.timeline li.current{border-color:var(--canary);color:var(--fg);font-weight:600;box-shadow:0 0 0 2px var(--canary) inset}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:.8rem}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.4rem}
figcaption{font-size:11px;color:var(--muted);padding:0 .3rem}
svg.chart{width:100%;height:auto;display:block}svg .title{font-weight:600;font-size:12px;fill:var(--fg)}
svg .axis,svg .legend,svg .empty,svg .min-label{font-size:10px;fill:var(--muted)}svg .grid{stroke:var(--grid)}
svg .line{fill:none;stroke-width:2}svg .band{stroke:none;opacity:.18}svg .min{stroke:var(--bad);stroke-dasharray:5 4}
svg .canary{stroke:var(--canary);fill:var(--canary)}svg .stable{stroke:var(--stable);fill:var(--stable)}
svg .labels,svg .variant{stroke:var(--good);fill:var(--good)}
svg .c0{stroke:#2563eb;fill:#2563eb}svg .c1{stroke:#d97706;fill:#d97706}svg .c2{stroke:#059669;fill:#059669}
svg .c3{stroke:#db2777;fill:#db2777}svg .c4{stroke:#7c3aed;fill:#7c3aed}svg .c5{stroke:#0891b2;fill:#0891b2}
svg .c6{stroke:#65a30d;fill:#65a30d}svg .c7{stroke:#9ca3af;fill:#9ca3af}svg path.line{fill:none}
.warn{border-left:3px solid var(--bad);padding:.3rem .6rem;background:var(--card)}
.flash{border-left:3px solid var(--accent);padding:.3rem .6rem}.muted,.crumbs{color:var(--muted)}
#toast{position:fixed;right:1rem;bottom:1rem;max-width:40rem;padding:.5rem .8rem;border-radius:6px;background:var(--card);
border:1px solid var(--line);white-space:pre-wrap;display:none}#toast.ok{display:block;border-color:var(--good)}#toast.err{display:block;border-color:var(--bad)}
dialog{background:var(--card);color:var(--fg);border:1px solid var(--line);border-radius:8px}dialog menu{display:flex;gap:.5rem;justify-content:flex-end;padding:0}
)CSS";

inline constexpr const char* kJs = R"JS(
'use strict';
(function () {
  const token = document.querySelector('meta[name="modelops-token"]').content;
  const live = document.getElementById('live');
  let pending = null;
  function refresh() {
    fetch(location.pathname + location.search, {headers: {'X-Partial': '1'}, credentials: 'same-origin'})
      .then(r => r.ok ? r.text() : Promise.reject(r.status))
      .then(html => {
        const main = document.getElementById('main');
        if (main) main.outerHTML = html;
        document.body.dataset.version = String(Number(document.body.dataset.version || 0) + 1);
      })
      .catch(() => {});
  }
  const events = new EventSource('/events');
  events.onopen = () => { live.textContent = 'live'; live.className = 'live on'; };
  events.onerror = () => { live.textContent = 'reconnecting…'; live.className = 'live'; };
  events.onmessage = () => {  // one refresh per burst of watch events
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh(); }, 150);
  };
  function toast(text, ok) {
    const t = document.getElementById('toast');
    t.textContent = text;
    t.className = ok ? 'ok' : 'err';
  }
  let chosen = null;
  const dialog = document.getElementById('confirm');
  document.addEventListener('click', ev => {
    const b = ev.target.closest('button.action');
    if (!b) return;
    const bar = b.closest('.actions');
    chosen = {ns: bar.dataset.namespace, name: bar.dataset.name, action: b.dataset.action, argument: b.dataset.argument};
    document.getElementById('confirm-text').textContent = b.dataset.confirm;
    dialog.returnValue = '';
    dialog.showModal();
  });
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'ok' || !chosen) return;
    const c = chosen;
    chosen = null;
    const url = '/api/ns/' + encodeURIComponent(c.ns) + '/md/' + encodeURIComponent(c.name) + '/actions/' +
                encodeURIComponent(c.action);
    fetch(url, {method: 'POST', credentials: 'same-origin',
                headers: {'X-Modelops-Token': token, 'Content-Type': 'application/x-www-form-urlencoded'},
                body: 'argument=' + encodeURIComponent(c.argument || '')})
      .then(r => r.text().then(text => toast(text, r.ok)))
      .catch(e => toast('request failed: ' + e, false));
  });
  document.addEventListener('change', ev => {  // delegated: <main> is replaced on every update
    if (ev.target.id === 'f-ns' || ev.target.id === 'f-phase') ev.target.form.submit();
  });
})();
)JS";

}  // namespace modelops::plugin::dashboard::assets
