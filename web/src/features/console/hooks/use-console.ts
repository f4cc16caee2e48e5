import { createContext, use } from 'react';
import type { ClientConfig } from '@kantiv/shared/client-config';
import type { StaffAuth, StaffSession } from '../lib/staff-auth.ts';

export type ConsoleContextValue = {
  auth: StaffAuth;
  session: StaffSession;
  config: ClientConfig;
};

export const ConsoleContext = createContext<ConsoleContextValue | null>(null);

export function useConsole(): ConsoleContextValue {
  const value = use(ConsoleContext);
  if (!value) throw new Error('useConsole() is used outside the signed-in console.');
  return value;
}
