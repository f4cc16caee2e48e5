import tls from 'node:tls';

/**
 * Loaded into the server process of the e2e stack and the demo (`node --import`): TLS connections to Microsoft's
 * hosts on port 443 go to the emulator instead, keeping the host name for SNI and certificate checks. It is the Node
 * twin of Chromium's `--host-resolver-rules`, so the server runs with its production Microsoft URLs unchanged and
 * still verifies the emulator's certificate (trusted through MICROSOFT_CA_FILE, never by turning checks off).
 */
const port = Number(process.env.KANTIV_E2E_MICROSOFT_PORT);
const MICROSOFT_HOST =
  /^(login\.microsoftonline\.com|login\.microsoft\.com|login\.windows\.net|graph\.microsoft\.com|[a-z0-9-]+(\.api)?\.crm[0-9]*\.dynamics\.com|globaldisco\.crm\.dynamics\.com)$/i;

if (Number.isInteger(port) && port > 0) {
  const connect = tls.connect.bind(tls) as (...args: unknown[]) => tls.TLSSocket;
  const patched = (...args: unknown[]): tls.TLSSocket => {
    const [first] = args;
    if (first && typeof first === 'object') {
      const options = first as tls.ConnectionOptions;
      const host = options.host ?? options.servername;
      if (host && MICROSOFT_HOST.test(host) && Number(options.port ?? 443) === 443) {
        return connect(
          { ...options, host: '127.0.0.1', port, servername: options.servername || host },
          ...args.slice(1),
        );
      }
    }
    return connect(...args);
  };
  (tls as { connect: typeof patched }).connect = patched;
}
