import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runLs } from '../../src/cli/catalog/ls.js';
import { runRegister } from '../../src/cli/catalog/register.js';
import { runShow } from '../../src/cli/catalog/show.js';
import { testClient, type TestClient } from '../helpers/client.js';
import { memIO } from '../helpers/memio.js';
import { fakeClock } from '../helpers/store.js';

const PLAYBOOK = 'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: t\n  path: integrations/travel_booking\n';

describe('catalog commands in process', () => {
  let t: TestClient;
  beforeEach(async () => {
    t = await testClient({ clock: fakeClock() });
  });
  afterEach(async () => {
    await t.close();
  });

  it('-o json prints the wire types, snake_case, ids exact', async () => {
    const reg = memIO();
    const infos: string[] = [];
    await runRegister({ file: 'pb.yaml', output: 'json' }, { io: reg.io, client: t.client, info: (m) => infos.push(m) }, PLAYBOOK);
    const entry = JSON.parse(reg.stdout());
    expect(Object.keys(entry).sort()).toEqual(['catalog_id', 'created_at', 'kind', 'path', 'unchanged', 'version']);
    expect(infos).toEqual([`registered integrations/travel_booking version 1 as catalog id ${entry.catalog_id}`]);
    expect(reg.stdout()).toContain(`"catalog_id": "${entry.catalog_id}"`);

    const ls = memIO();
    await runLs({ latest: false, output: 'json' }, { io: ls.io, client: t.client });
    expect(JSON.parse(ls.stdout())).toEqual([{ catalog_id: entry.catalog_id, path: 'integrations/travel_booking', version: 1, kind: 'Playbook', created_at: entry.created_at }]);

    const show = memIO();
    await runShow({ ref: entry.catalog_id, content: false, output: 'json' }, { io: show.io, client: t.client });
    expect(JSON.parse(show.stdout())).toEqual({ catalog_id: entry.catalog_id, path: 'integrations/travel_booking', version: 1, kind: 'Playbook', created_at: entry.created_at, content: PLAYBOOK });

    const content = memIO();
    await runShow({ ref: 'integrations/travel_booking@1', content: true, output: 'table' }, { io: content.io, client: t.client });
    expect(content.stdout()).toBe(PLAYBOOK);
  });
});
