/** Every URL the SPA links to or calls, in one place. */
export const paths = {
  home: '/',
} as const;

export const apiPaths = {
  health: '/healthz',
} as const;

/** The support console: its pages (under one lazily loaded route) and the staff API it calls. */
export const consolePaths = {
  root: '/console',
  setups: '/console/setups',
  newSetup: '/console/setups/new',
  setup: (id: string) => `/console/setups/${encodeURIComponent(id)}`,
  apiKeys: '/console/api-keys',
  webhooks: '/console/webhooks',
  audit: '/console/audit',
} as const;

export const consoleApiPaths = {
  clientConfig: '/api/v1/client-config',
  setups: '/api/v1/setups',
  setup: (id: string) => `/api/v1/setups/${encodeURIComponent(id)}`,
  setupEvents: (id: string) => `/api/v1/setups/${encodeURIComponent(id)}/events`,
  setupAction: (id: string, action: 'revoke' | 'extend' | 'reverify' | 'invite') =>
    `/api/v1/setups/${encodeURIComponent(id)}/${action}`,
  apiKeys: '/api/v1/api-keys',
  apiKeyRevoke: (id: string) => `/api/v1/api-keys/${encodeURIComponent(id)}/revoke`,
  webhooks: '/api/v1/webhooks',
  webhookTest: (id: string) => `/api/v1/webhooks/${encodeURIComponent(id)}/test`,
  webhookDeliveries: (id: string) => `/api/v1/webhooks/${encodeURIComponent(id)}/deliveries`,
  audit: '/api/v1/audit',
} as const;
