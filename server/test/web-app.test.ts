import { createHash } from 'node:crypto';
import { BOOT_LANGUAGE_SCRIPT } from '@kantiv/shared/boot-language';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_CACHE_CONTROL } from '../src/app.ts';
import { startTestApp, type TestContext } from './helpers/app.ts';

/** A build folder shaped like `pnpm build` leaves it: hashed assets with `.br`/`.gz` twins and hidden source maps. */
function fakeBuild(): { dir: string; script: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'kc-web-'));
  mkdirSync(path.join(dir, 'assets'));
  const script = `export const answer = ${JSON.stringify('kantiv '.repeat(400))};\n`;
  const files: Record<string, string> = {
    'index.html':
      '<!doctype html><title>Kantiv Connect</title><script type="module" src="/assets/main-abc123.js"></script>',
    'redirect.html': '<!doctype html><title>Redirect bridge</title>',
    'assets/main-abc123.js': script,
    'assets/main-abc123.js.map': '{"version":3,"sources":["../../src/secret-sauce.ts"]}',
  };
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
  writeFileSync(path.join(dir, 'assets/main-abc123.js.br'), brotliCompressSync(script));
  writeFileSync(path.join(dir, 'assets/main-abc123.js.gz'), gzipSync(script));
  return { dir, script };
}

describe('the built SPA as the server sends it', () => {
  let ctx: TestContext;
  let build: ReturnType<typeof fakeBuild>;
  beforeAll(async () => {
    build = fakeBuild();
    // SQLite is enough: this is about files, not the database.
    ctx = await startTestApp('sqlite', { WEB_DIST_DIR: build.dir });
  });
  afterAll(async () => {
    await ctx.close();
    rmSync(build.dir, { recursive: true, force: true });
  });

  const get = (url: string, acceptEncoding?: string) =>
    ctx.call({ method: 'GET', url, headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} });

  it('hashed assets › brotli to browsers that accept it, cached for a year', async () => {
    const res = await get('/assets/main-abc123.js', 'gzip, deflate, br, zstd');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
    expect(res.headers['cache-control']).toBe(ASSET_CACHE_CONTROL);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(res.rawPayload).toString('utf8')).toBe(build.script);
    // The security headers stay on static files too.
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    // …and index.html's inline boot script, by its hash only.
    const boot = createHash('sha256').update(BOOT_LANGUAGE_SCRIPT).digest('base64');
    expect(res.headers['content-security-policy']).toContain(`script-src 'self' 'sha256-${boot}';`);
  });

  it('hashed assets › gzip when brotli is not accepted, plain when nothing is', async () => {
    const gz = await get('/assets/main-abc123.js', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['cache-control']).toBe(ASSET_CACHE_CONTROL);
    expect(gunzipSync(gz.rawPayload).toString('utf8')).toBe(build.script);

    const plain = await get('/assets/main-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['cache-control']).toBe(ASSET_CACHE_CONTROL);
    expect(plain.body).toBe(build.script);
  });

  it('HTML › revalidated on every load, for the app shell and the redirect bridge', async () => {
    for (const url of [
      '/',
      '/invite',
      '/setup/4f0c1c1e-1111-4222-8333-944444444444/welcome',
      '/redirect.html',
    ]) {
      const res = await get(url, 'gzip, br');
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toContain('text/html');
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.headers['content-security-policy'], url).toContain("default-src 'self'");
    }
  });

  it('source maps and the compressed twins are not URLs of their own', async () => {
    for (const url of [
      '/assets/main-abc123.js.map',
      '/assets/main-abc123.js.br',
      '/assets/main-abc123.js.gz',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('secret-sauce');
    }
  });

  it('a missing asset is a 404, not the SPA under a script name', async () => {
    const res = await get('/assets/main-old999.js', 'br');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/json');
  });
});
