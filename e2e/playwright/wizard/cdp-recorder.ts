import type { BrowserContext, CDPSession, Page } from '@playwright/test';

/** One request the browser made, with every body it sent and received (as the Chrome DevTools Protocol saw it). */
export interface Recorded {
  method: string;
  url: string;
  requestBody: string;
  status?: number;
  responseBody?: string;
}

/**
 * Records every request and response body of every page of the context (popups included) through a DevTools
 * Protocol session per page: `requestWillBeSent` for the request and its post data, `getResponseBody` once each
 * response finished loading. `settle()` waits for the bodies still being read.
 */
export function recordNetwork(context: BrowserContext) {
  const all: Recorded[] = [];
  // A redirect keeps its requestId: the latest request under an id is the one its response belongs to.
  const byId = new Map<string, Recorded>();
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  async function attach(page: Page): Promise<void> {
    const cdp: CDPSession = await context.newCDPSession(page);
    await cdp.send('Network.enable', { maxPostDataSize: 10_000_000 });
    cdp.on('Network.requestWillBeSent', (e) => {
      const r: Recorded = {
        method: e.request.method,
        url: e.request.url,
        requestBody: e.request.postData ?? '',
      };
      all.push(r);
      byId.set(e.requestId, r);
      if (e.request.hasPostData && e.request.postData === undefined) {
        track(
          cdp
            .send('Network.getRequestPostData', { requestId: e.requestId })
            .then((d) => (r.requestBody = d.postData))
            .catch(() => undefined),
        );
      }
    });
    cdp.on('Network.responseReceived', (e) => {
      const r = byId.get(e.requestId);
      if (r) r.status = e.response.status;
    });
    cdp.on('Network.loadingFinished', (e) => {
      const r = byId.get(e.requestId);
      if (!r) return;
      track(
        cdp
          .send('Network.getResponseBody', { requestId: e.requestId })
          .then(
            (b) =>
              (r.responseBody = b.base64Encoded ? Buffer.from(b.body, 'base64').toString('latin1') : b.body),
          )
          .catch(() => undefined),
      );
    });
  }

  const attached: Promise<void>[] = context.pages().map(attach);
  context.on('page', (page) => attached.push(attach(page)));
  return {
    ready: () => Promise.all(attached),
    async settle(): Promise<Recorded[]> {
      await Promise.all(attached);
      while (pending.size) await Promise.all([...pending]);
      return all;
    },
  };
}

/** Private key material as it could travel: PEM blocks, and base64 PKCS#8 / PKCS#1 RSA keys without the PEM lines. */
export const PRIVATE_KEY_PATTERNS: RegExp[] = [
  /PRIVATE KEY/,
  /MII[A-Za-z0-9+/]{2}(?:\\n)?[A-Za-z0-9+/]*IBADANBgkqhkiG9w0BAQEFAASC/,
  /MIIE[A-Za-z0-9+/]{2}IBAAKCAQEA/,
];

/** What the browser keeps: web storage, every IndexedDB store, Cache Storage, cookies and the address bar. */
export async function browserStorage(page: Page): Promise<string> {
  const dump = await page.evaluate(async () => {
    const idb: Record<string, unknown> = {};
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(info.name as string);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error ?? new Error('open failed'));
      });
      for (const store of Array.from(db.objectStoreNames)) {
        idb[`${info.name}/${store}`] = await new Promise<unknown>((resolve, reject) => {
          const req = db.transaction(store, 'readonly').objectStore(store).getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error ?? new Error('read failed'));
        });
      }
      db.close();
    }
    const caches: Record<string, string[]> = {};
    for (const name of await globalThis.caches.keys()) {
      const cache = await globalThis.caches.open(name);
      caches[name] = [];
      for (const req of await cache.keys()) {
        const res = await cache.match(req);
        caches[name].push(`${req.url} ${res ? await res.text() : ''}`);
      }
    }
    return JSON.stringify({
      url: location.href,
      localStorage: { ...localStorage },
      sessionStorage: { ...sessionStorage },
      indexedDB: idb,
      caches,
    });
  });
  return dump + JSON.stringify(await page.context().cookies());
}
