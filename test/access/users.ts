import { randomBytes } from 'node:crypto';
import * as sql from '../../src/backends/sql/auth.js';
import type { Store } from '../../src/backends/sql/store.js';

/** A user as their first gateway login makes them (role viewer); their user id. */
export async function loginUser(store: Store, email: string): Promise<string> {
  const schema = sql.authSchemaOf(store.info.schema);
  const now = store.now();
  const login = await sql.loginSession(store, schema, {
    auth0_id: `auth0|${email}`,
    email,
    display_name: email.split('@')[0],
    profile_data: {},
    default_role: 'viewer',
    now,
    token_sha256: randomBytes(32).toString('hex'),
    expires_at: new Date(now.getTime() + 3600_000),
    ip_address: null,
    user_agent: null,
    audit_details: {},
  });
  if (login.outcome !== 'session') throw new Error(`${email} cannot log in: ${login.outcome}`);
  return login.user.user_id;
}
