/** Every URL the SPA links to or calls, in one place. */
export const paths = {
  home: '/',
} as const;

export const apiPaths = {
  health: '/healthz',
} as const;
