/** "Loading…" in each wizard language but English (index.html's markup holds the English words). */
export const BOOT_LOADING_WORDS: Record<string, string> = {
  de: 'Wird geladen…',
  fr: 'Chargement…',
  es: 'Cargando…',
  nl: 'Laden…',
};

/**
 * index.html's inline script, before any bundle has loaded. The server's CSP allows exactly this script by its hash,
 * and a web test keeps index.html's copy identical to it.
 *
 * 1. On the wizard's pages it picks the language the wizard will pick (the admin's stored choice, else the browser's
 *    languages by primary subtag, else English; the console stays English), sets `<html lang>`, words "Loading…" in
 *    it and leaves the words in `data-loading` for the React loading page to reuse.
 * 2. On `/setup/:id`, `/setup/:id/welcome` and `/setup/:id/sign-in` it shows that page's shell in that language
 *    (`<script type="application/json" id="boot-shell">`, built from the catalogs: web/src/lib/boot-shell.ts) and
 *    marks `<html data-shell>`: the first paint is the page's text (decision 015, tenth wave).
 * 3. It starts the app (`<meta name="kantiv:entry">`, its modules preloaded: `kantiv:preload`) only after that first
 *    paint, so the browser paints the document's text before it fetches and evaluates the bundle; a hidden tab, which
 *    paints nothing, starts it at once. Without the meta (Vite's dev server) index.html's own module script runs.
 */
export const BOOT_LANGUAGE_SCRIPT =
  `(function(){var d=document,h=d.documentElement,w=${JSON.stringify(BOOT_LOADING_WORDS)},g='en',a=location.pathname;` +
  'if(/^\\/(setup|invite)(\\/|$)/.test(a)){var s=null;' +
  "try{s=localStorage.getItem('kantiv.language')}catch(e){}" +
  'var l=[s].concat(Array.prototype.slice.call(navigator.languages||[]));' +
  "for(var i=0;i<l.length;i++){var p=String(l[i]||'').toLowerCase().split('-')[0];if(p==='en')break;" +
  "if(w[p]){g=p;h.lang=p;h.setAttribute('data-loading',w[p]);" +
  "var b=d.getElementById('boot-loading');if(b)b.textContent=w[p];break}}" +
  "var m=/^\\/setup\\/[^/]+(?:\\/(welcome|sign-in))?\\/?$/.exec(a),j=d.getElementById('boot-shell'),r=d.getElementById('root');" +
  "if(m&&j&&r){try{var k=m[1]||'welcome',t=JSON.parse(j.textContent)[g][k];if(t){r.innerHTML=t;h.setAttribute('data-shell',k)}}catch(e){}}}" +
  'var e=d.querySelector(\'meta[name="kantiv:entry"]\');if(!e)return;' +
  "var go=function(){var q=d.querySelector('meta[name=\"kantiv:preload\"]'),u=q?q.content.split(' '):[];" +
  "for(var n=0;n<u.length;n++){if(!u[n])continue;var f=d.createElement('link');f.rel='modulepreload';f.crossOrigin='';f.href=u[n];d.head.appendChild(f)}" +
  "var c=d.createElement('script');c.type='module';c.crossOrigin='';c.src=e.content;d.head.appendChild(c)};" +
  "if(d.visibilityState==='hidden')go();else requestAnimationFrame(function(){setTimeout(go,0)})})();";
