import { escapeHtml } from '../http.ts';

/**
 * HTML for the interactive pages. They look plainly like Microsoft's sign-in card and say, on every page, that this
 * is the Kantiv emulator, so a person running `pnpm emulator` knows where they are.
 */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}
main{max-width:460px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.brand{font-weight:600;color:#737373;font-size:14px;margin-bottom:16px}
.banner{background:#fff4ce;border-left:4px solid #8a6d00;padding:8px 12px;font-size:13px;margin-bottom:16px}
h1{font-size:24px;font-weight:600;margin:0 0 16px}
.account{display:block;width:100%;text-align:left;background:#fff;border:1px solid #ccc;padding:10px 12px;margin:6px 0;cursor:pointer;font:inherit}
.account:hover,.account:focus{background:#f2f2f2;outline:2px solid #0067b8}
.upn{color:#505050;font-size:13px}.note{color:#505050;font-size:12px;margin-top:2px}
ul.perms{padding-left:20px}ul.perms li{margin:8px 0}.desc{color:#505050;font-size:13px}
.buttons{display:flex;gap:8px;justify-content:flex-end;margin-top:24px}
button.primary{background:#0067b8;color:#fff;border:0;padding:8px 24px;font:inherit;cursor:pointer}
button.secondary{background:#ccc;color:#000;border:0;padding:8px 24px;font:inherit;cursor:pointer}
.error{color:#a80000}.code{font-family:monospace;font-size:13px;word-break:break-all;background:#f6f6f6;padding:8px}
small{color:#505050}
</style></head>
<body><main>
<div class="brand">Microsoft (emulated)</div>
<div class="banner" role="note">Kantiv's Microsoft cloud emulator — not Microsoft. Accounts and data are fake.</div>
${body}
</main></body></html>`;
}

export function errorPage(code: number, message: string, requestId: string): string {
  return page(
    'Sign in error',
    `<h1>Sorry, but we're having trouble signing you in.</h1>
<p class="error" role="alert">AADSTS${code}: ${escapeHtml(message)}</p>
<p class="code">Request Id: ${escapeHtml(requestId)}<br>Timestamp: ${new Date().toISOString()}</p>`,
  );
}
