/** The catalog group over HTTP: register, list, show and resolve playbook versions (routes of `noetl serve`). */
import type { CatalogApi, CatalogEntry, CatalogEntryWithContent, PlaybookSelector } from '../../api/catalog.js';
import type { Transport } from './transport.js';
import { bool, fieldsOf, id64, listOf, num, str, time, type Fields } from './wire.js';

function entryOf(f: Fields): CatalogEntry {
  return { catalog_id: id64(f.catalog_id) ?? '', path: str(f.path), version: num(f.version), kind: str(f.kind, 'Playbook'), created_at: time(f.created_at) };
}

export function httpCatalog(transport: Transport): CatalogApi {
  return {
    async register(input) {
      const f = fieldsOf(await transport.request('POST', '/api/catalog/register', { body: { content: input.content, ...(input.source ? { source: input.source } : {}) } }), 'a playbook registration');
      return { ...entryOf(f), unchanged: bool(f.unchanged) };
    },
    async list(filter = {}) {
      const answer = await transport.request('GET', '/api/catalog', { query: { path: filter.path, latest: filter.latest ? true : undefined } });
      return listOf(answer, 'items', 'entries').map((e) => entryOf(fieldsOf(e, 'a catalog listing')));
    },
    async show(ref) {
      const f = fieldsOf(await transport.request('GET', '/api/catalog/entry', { query: { ref } }), 'a catalog read');
      const entry: CatalogEntryWithContent = { ...entryOf(f), content: str(f.content) };
      return entry;
    },
    async resolve(selector: PlaybookSelector) {
      return entryOf(fieldsOf(await transport.request('GET', '/api/catalog/resolve', { query: { playbook: selector.playbook, catalog_id: selector.catalog_id } }), 'a catalog lookup'));
    },
  };
}
