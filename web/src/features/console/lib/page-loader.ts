import { loaded, type Loaded } from './loaded.ts';
import { readableStaffAuth, type StaffAuth } from './staff-auth.ts';

/**
 * The body of a console page's loader: reads the page's data as the signed-in staff member. `null` when nobody who
 * may read is signed in: the console shows its sign-in or no-access page then, and never this page.
 */
export async function loadConsolePage<T>(read: (auth: StaffAuth) => Promise<T>): Promise<Loaded<T> | null> {
  const auth = await readableStaffAuth();
  return auth ? loaded(read(auth)) : null;
}
