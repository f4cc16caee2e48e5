import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createTlsMaterial } from '../src/tls.ts';

/**
 * A tiny HTTPS "SPA" for the browser tests: an app page and the v5 redirect-bridge page, both loading
 * @azure/msal-browser's own browser builds from node_modules (same origin, no CDN, no COOP, no-store).
 */
const require = createRequire(import.meta.url);
const libDir = path.dirname(require.resolve('@azure/msal-browser'));

const APP_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>test spa</title>
<script src="/msal-browser.js"></script></head><body><h1>test spa</h1>
<script>
window.startApp = async (config) => {
  const pca = new msal.PublicClientApplication(config);
  await pca.initialize();
  await pca.handleRedirectPromise();
  window.pca = pca;
};
</script></body></html>`;

const BRIDGE_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>redirect</title>
<script src="/msal-redirect-bridge.js"></script></head><body>
<script>msalRedirectBridge.broadcastResponseToMainFrame();</script></body></html>`;

export interface SpaServer {
  origin: string;
  close(): Promise<void>;
}

export async function startSpaServer(): Promise<SpaServer> {
  const tls = await createTlsMaterial([]);
  const files: Record<string, { type: string; body: string | Buffer }> = {
    '/': { type: 'text/html', body: APP_PAGE },
    '/redirect.html': { type: 'text/html', body: BRIDGE_PAGE },
    '/msal-browser.js': { type: 'text/javascript', body: readFileSync(path.join(libDir, 'msal-browser.js')) },
    '/msal-redirect-bridge.js': {
      type: 'text/javascript',
      body: readFileSync(path.join(libDir, 'redirect-bridge', 'msal-redirect-bridge.js')),
    },
  };
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const file = files[new URL(req.url ?? '/', 'https://localhost').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
