/**
 * The credentials group over HTTP (API.md "Credentials"). Upstream servers answer a credential
 * with nulls kept (Python) or omitted (Rust), ids as numbers or strings, a list as `{items}` or
 * a bare array: all are read. Filters are also applied here, since upstream servers ignore `tags`.
 */
import type { Credential, CredentialAdded, CredentialsApi, CredentialSummary, ImportReport, ValidationReport } from '../../api/credentials.js';
import { NoetlError } from '../../core/errors.js';
import type { Transport } from './transport.js';
import { bool, fieldsOf, id64, listOf, objOrNull, seg, str, strings, strOrNull, time, type Fields } from './wire.js';

function tagsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(',').map((t) => t.trim()).filter(Boolean);
  return strings(value);
}

function summaryOf(f: Fields): CredentialSummary {
  return {
    id: id64(f.id) ?? '',
    name: str(f.name),
    type: str(f.type ?? f.credential_type, 'generic'),
    description: strOrNull(f.description),
    tags: tagsOf(f.tags),
    meta: objOrNull(f.meta),
    schema: objOrNull(f.schema),
    created_at: time(f.created_at),
    updated_at: time(f.updated_at ?? f.created_at),
  };
}

export function httpCredentials(transport: Transport): CredentialsApi {
  const get = async (name: string, reveal: boolean): Promise<Credential> => {
    // A revealer's token gets data in clear unless it says reveal=false (upstream servers ignore `reveal`).
    const f = fieldsOf(await transport.request('GET', `/api/credentials/${seg(name)}`, { query: { include_data: true, reveal } }), 'a credential read');
    const data = objOrNull(f.data) ?? {};
    return { ...summaryOf(f), data, revealed: bool(f.revealed, reveal && f.data !== undefined), legacy: bool(f.legacy), warnings: strings(f.warnings) };
  };
  return {
    async add(input, options = {}) {
      const answer = await transport.request('POST', '/api/credentials', { query: { replace: options.replace === true }, body: input });
      const f = fieldsOf(answer, 'a credential write');
      const added: CredentialAdded = { ...summaryOf(f), replaced: bool(f.replaced), warnings: strings(f.warnings) };
      return added;
    },
    get: (name, options = {}) => get(name, options.reveal === true),
    async list(filter = {}) {
      const query = { type: filter.type, tags: filter.tags?.length ? filter.tags.join(',') : undefined };
      const items = listOf(await transport.request('GET', '/api/credentials', { query }), 'items', 'credentials').map((c) => summaryOf(fieldsOf(c, 'a credential listing')));
      return items.filter((c) => (filter.type === undefined || c.type === filter.type) && (filter.tags ?? []).every((t) => c.tags.includes(t)));
    },
    async find(identifier) {
      try {
        return summaryOf(fieldsOf(await transport.request('GET', `/api/credentials/${seg(identifier)}`), 'a credential read'));
      } catch (err) {
        if (err instanceof NoetlError && err.code === 'not_found') return undefined;
        throw err;
      }
    },
    async exists(name) {
      try {
        await transport.request('GET', `/api/credentials/${seg(name)}`);
        return true;
      } catch (err) {
        if (err instanceof NoetlError && err.code === 'not_found') return false;
        throw err;
      }
    },
    async remove(name) {
      const f = fieldsOf(await transport.request('DELETE', `/api/credentials/${seg(name)}`), 'a credential delete');
      return { id: id64(f.id) ?? '', name: str(f.name, name), deleted: true };
    },
    async validate(registrations, options = {}) {
      return (await transport.request('POST', '/api/credentials/validate', { body: { registrations, replace: options.replace === true } })) as ValidationReport;
    },
    async import(registrations, options = {}) {
      const body = { registrations, replace: options.replace === true, continue_on_error: options.continueOnError === true };
      return (await transport.request('POST', '/api/credentials/import', { body })) as ImportReport;
    },
  };
}
