import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    sourcemap: true,
    target: 'es2022',
    rolldownOptions: {
      // redirect.html is MSAL v5's redirect bridge: popup and silent sign-in answers land there and are relayed
      // to the wizard over a BroadcastChannel. It must be bundled with the app (never a CDN) and same-origin.
      input: { main: 'index.html', redirect: 'redirect.html' },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
});
