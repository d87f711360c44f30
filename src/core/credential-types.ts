/**
 * The known credential types of seed 003 and what their data usually holds. These only
 * warn, never block: real registration files use other field names (`sf_account` for
 * `account`, `db_host` for `host`), and they must still register. Each expected field
 * lists the names it goes by; the first is the one a prompt asks for.
 */
import { jsonType, type CompactSchema } from './schema.js';

interface ExpectedField {
  /** Accepted names, preferred first. */
  names: string[];
  type?: 'string' | 'integer';
  /** Whether the type needs it (warn when absent); otherwise only its type is checked. */
  required: boolean;
}

interface KnownType {
  description: string;
  fields: ExpectedField[];
}

const req = (names: string[], type: ExpectedField['type'] = 'string'): ExpectedField => ({ names, type, required: true });
const opt = (names: string[], type: ExpectedField['type'] = 'string'): ExpectedField => ({ names, type, required: false });

export const KNOWN_TYPES: Record<string, KnownType> = {
  postgres: {
    description: 'PostgreSQL database connection credentials',
    fields: [req(['db_host', 'host']), opt(['db_port', 'port'], 'integer'), req(['db_user', 'user', 'username']), req(['db_password', 'password']), req(['db_name', 'database', 'dbname'])],
  },
  oauth2: {
    description: 'OAuth2 client credentials for token-based authentication',
    fields: [req(['client_id']), req(['client_secret']), opt(['token_url', 'token_uri', 'token_endpoint'])],
  },
  bearer: {
    description: 'Bearer token for API authentication',
    fields: [req(['access_token', 'token', 'bearer_token', 'secret']), opt(['token_type']), opt(['expires_in'], 'integer')],
  },
  basic: {
    description: 'HTTP basic auth',
    fields: [req(['username', 'user']), req(['password'])],
  },
  api_key: {
    description: 'API key and optional secret for service authentication',
    fields: [req(['api_key', 'key', 'apikey']), opt(['api_secret'])],
  },
  service_account: {
    description: 'Service account JSON (GCP, AWS)',
    fields: [req(['client_email', 'access_key_id', 'aws_access_key_id']), req(['private_key', 'secret_access_key', 'aws_secret_access_key'])],
  },
  snowflake: {
    description: 'Snowflake credentials',
    fields: [
      req(['account', 'sf_account']),
      req(['user', 'sf_user']),
      req(['password', 'sf_password', 'private_key', 'sf_private_key']),
      req(['warehouse', 'sf_warehouse']),
      req(['database', 'sf_database']),
    ],
  },
};

export function isKnownType(type: string): boolean {
  return Object.hasOwn(KNOWN_TYPES, type);
}

/**
 * Warnings (never errors) when data lacks what its known type needs, or holds a field of
 * the wrong type. Unknown types get none. Names fields, never values.
 */
export function knownTypeWarnings(type: string, data: Record<string, unknown>): string[] {
  if (!isKnownType(type)) return [];
  const warnings: string[] = [];
  const missing: string[] = [];
  for (const field of KNOWN_TYPES[type].fields) {
    const present = field.names.find((n) => Object.hasOwn(data, n));
    if (present === undefined) {
      if (field.required) missing.push(field.names.length > 1 ? `${field.names[0]} (or ${field.names.slice(1).join(', ')})` : field.names[0]);
      continue;
    }
    const actual = jsonType(data[present]);
    if (field.type && actual !== field.type) warnings.push(`Field '${present}' must be ${field.type}, got ${actual}`);
  }
  if (missing.length > 0) warnings.unshift(`type '${type}' usually has ${missing.join('; ')}, which this data lacks`);
  return warnings;
}

/** The fields a hidden prompt asks for when a known type has no explicit schema. */
export function knownTypeSchema(type: string): CompactSchema | undefined {
  if (!isKnownType(type)) return undefined;
  const known = KNOWN_TYPES[type];
  const types: Record<string, string> = {};
  for (const f of known.fields) if (f.type) types[f.names[0]] = f.type;
  return {
    fields: known.fields.map((f) => f.names[0]),
    required: known.fields.filter((f) => f.required).map((f) => f.names[0]),
    types,
    description: known.description,
  };
}
