import { PGlite } from '@electric-sql/pglite';
const q = `SELECT 'col '||table_schema||'.'||table_name||'.'||column_name||' '||data_type||' '||coalesce(column_default,'') AS x FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog','information_schema')
UNION ALL SELECT 'idx '||schemaname||' '||indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog')
UNION ALL SELECT 'fn '||n.nspname||'.'||p.proname||' '||md5(p.prosrc) FROM pg_proc p JOIN pg_namespace n ON n.oid=p.pronamespace WHERE n.nspname NOT IN ('pg_catalog','information_schema')
UNION ALL SELECT 'con '||conname||' '||pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace IN (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog','information_schema'))
UNION ALL SELECT 'setting '||name||'='||setting FROM pg_settings WHERE source NOT IN ('default','override') AND name NOT IN ('data_directory')
UNION ALL SELECT 'db '||datname||' '||pg_encoding_to_char(encoding)||' '||datcollate||' '||datctype FROM pg_database
ORDER BY 1`;
const out = [];
for (const d of process.argv.slice(2)) { const db = await PGlite.create(d); out.push((await db.query(q)).rows.map((r) => r.x)); console.log(d, 'ledger', (await db.query("select count(*)::int n from pg_tables where tablename='schema_migrations'")).rows[0].n); await db.close(); }
const [a, b] = out.map((r) => new Set(r));
console.log('rows', out.map((r) => r.length).join(' vs '));
for (const x of a) if (!b.has(x)) console.log('only first:', x);
for (const x of b) if (!a.has(x)) console.log('only second:', x);
