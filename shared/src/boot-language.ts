/**
 * The few words index.html shows before any bundle has loaded, in the language the wizard will pick (the admin's
 * stored choice, else the browser's languages by primary subtag, else English; the console stays English). It runs
 * inline, right after the boot markup, so the first paint is already in that language at no bundle cost; the
 * server's CSP allows exactly this script by its hash, and a web test keeps index.html's copy identical to it.
 * It also sets `<html lang>` and leaves the words in `data-loading` for the React loading page to reuse.
 */
export const BOOT_LANGUAGE_SCRIPT =
  "(function(){var w={de:'Wird geladen…',fr:'Chargement…',es:'Cargando…',nl:'Laden…'};" +
  'if(!/^\\/(setup|invite)(\\/|$)/.test(location.pathname))return;var s=null;' +
  "try{s=localStorage.getItem('kantiv.language')}catch(e){}" +
  'var l=[s].concat(Array.prototype.slice.call(navigator.languages||[]));' +
  "for(var i=0;i<l.length;i++){var p=String(l[i]||'').toLowerCase().split('-')[0];if(p==='en')return;" +
  "if(w[p]){var h=document.documentElement;h.lang=p;h.setAttribute('data-loading',w[p]);" +
  "var b=document.getElementById('boot-loading');if(b)b.textContent=w[p];return}}})();";
