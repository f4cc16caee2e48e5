import { useState } from 'react';

/** The time the component first rendered: expiry warnings need "now" but rendering must stay pure. */
export function useNow(): number {
  const [now] = useState(() => Date.now());
  return now;
}
