import * as sql from '../../src/backends/sql/auth.js';
import type { Store } from '../../src/backends/sql/store.js';

/** A user as their first gateway login makes them (role viewer); their user id. */
export async function loginUser(store: Store, email: string): Promise<string> {
  const schema = sql.authSchemaOf(store.info.schema);
  const login = await store.transaction((tx) =>
    sql.upsertLoginUser(tx, schema, { auth0_id: `auth0|${email}`, email, display_name: email.split('@')[0], profile_data: {}, default_role: 'viewer', now: store.now() }),
  );
  if (!login) throw new Error(`${email} belongs to a user of another auth0 id`);
  return login.user.user_id;
}
