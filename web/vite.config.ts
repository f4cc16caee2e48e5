import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { BOOT_SHELL_LANGUAGES, bootShellJson, type BootShellCatalog } from './src/lib/boot-shell.ts';

/**
 * Writes `.br` and `.gz` twins of every text file of the build, compressed once at maximum level, which the server
 * sends to browsers that accept them (@fastify/static `preCompressed`): no compression work per request, and over a
 * slow mobile connection the first page's JavaScript is a quarter of its size. Tiny files gain nothing.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'kantiv:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    writeBundle(_options, bundle) {
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(js|css|html|svg|json)$/.test(fileName)) continue;
        const file = path.join(outDir, fileName);
        const body = readFileSync(file);
        if (body.length < 1024) continue;
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, {
            params: {
              [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
              [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
              [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          }),
        );
        writeFileSync(`${file}.gz`, gzipSync(body, { level: zlib.Z_BEST_COMPRESSION }));
      }
    },
  };
}

/**
 * Puts the first page's stylesheet (about 2 KB compressed) into index.html: the boot markup can paint as soon as the
 * document arrives, without waiting for a render-blocking request (Lighthouse's mobile profile waits one slow-4G
 * round trip for it). The CSP allows inline styles; the file stays in the build for anything that links it.
 */
function inlineEntryCss(): Plugin {
  return {
    name: 'kantiv:inline-entry-css',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.filename.endsWith('index.html') || !ctx.bundle) return html;
        const bundle = ctx.bundle;
        return html.replace(
          /<link rel="stylesheet"(?: crossorigin)? href="\/(assets\/[^"]+\.css)">/g,
          (link, fileName: string) => {
            const asset = bundle[fileName];
            if (!asset || asset.type !== 'asset') return link;
            const css =
              typeof asset.source === 'string' ? asset.source : Buffer.from(asset.source).toString('utf8');
            return `<style>${css}</style>`;
          },
        );
      },
    },
  };
}

/**
 * The first page's shell (decision 015, tenth wave): index.html gets the welcome and sign-in pages' text in every
 * wizard language (src/lib/boot-shell.ts), which its inline boot script shows before any bundle. In the build, the app
 * starts only after that first paint: Vite's module script and modulepreload links become `kantiv:entry` and
 * `kantiv:preload` metas that the boot script turns back into elements once the browser has painted the document.
 * On a slow phone the browser would otherwise fetch and evaluate the bundle before it paints anything.
 */
function bootShell(): Plugin {
  const localesDir = path.resolve(import.meta.dirname, 'src/features/wizard/locales');
  return {
    name: 'kantiv:boot-shell',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.filename.endsWith('index.html')) return html;
        const catalogs = Object.fromEntries(
          BOOT_SHELL_LANGUAGES.map((language) => [
            language,
            JSON.parse(readFileSync(path.join(localesDir, `${language}.json`), 'utf8')) as BootShellCatalog,
          ]),
        );
        const placeholder = /<script type="application\/json" id="boot-shell">[\s\S]*?<\/script>/;
        if (!placeholder.test(html))
          throw new Error('index.html has no <script id="boot-shell"> for the shell');
        let out = html.replace(
          placeholder,
          () => `<script type="application/json" id="boot-shell">${bootShellJson(catalogs)}</script>`,
        );
        if (!ctx.bundle) return out;
        const preloads: string[] = [];
        out = out.replace(
          /\s*<link rel="modulepreload" crossorigin href="([^"]+)">/g,
          (_link, href: string) => {
            preloads.push(href);
            return '';
          },
        );
        return out.replace(
          /<script type="module" crossorigin src="([^"]+)"><\/script>/,
          (_script, src: string) =>
            `<meta name="kantiv:entry" content="${src}">\n    <meta name="kantiv:preload" content="${preloads.join(' ')}">`,
        );
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), inlineEntryCss(), bootShell(), precompress()],
  build: {
    // Source maps are written for debugging and bundle analysis, but not referenced from the bundles: the server
    // does not publish them.
    sourcemap: 'hidden',
    target: 'es2022',
    rolldownOptions: {
      // redirect.html is MSAL v5's redirect bridge: popup and silent sign-in answers land there and are relayed
      // to the wizard over a BroadcastChannel. It must be bundled with the app (never a CDN) and same-origin.
      input: { main: 'index.html', redirect: 'redirect.html' },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
});
