import { describe, expect, it } from 'vitest';
import { renderTemplate, renderValue, TemplateError, workloadContext } from '../../src/core/jinja.js';

describe('renderTemplate', () => {
  const context = workloadContext(
    { gcp_auth: 'google_oauth', project_id: 'p-1', n: 3 },
    { keychain: { amadeus_credentials: { client_id: 'abc' } } },
  );

  it('renders {{ workload.x }} and bare {{ x }} alike', async () => {
    expect(await renderTemplate('{{ workload.gcp_auth }}', context)).toBe('google_oauth');
    expect(await renderTemplate('{{ gcp_auth }}', context)).toBe('google_oauth');
    expect(await renderTemplate("{{ keychain['amadeus_credentials'].client_id }}", context)).toBe('abc');
  });

  it('supports Jinja2 filters and expressions', async () => {
    expect(await renderTemplate('{{ project_id | upper }}-{{ n * 2 }}', context)).toBe('P-1-6');
    expect(await renderTemplate('{% if n > 2 %}big{% else %}small{% endif %}', context)).toBe('big');
    expect(await renderTemplate("{{ missing | default('fallback') }}", context)).toBe('fallback');
  });

  it('leaves plain strings alone', async () => {
    expect(await renderTemplate('https://example.com/token', context)).toBe('https://example.com/token');
  });

  it('fails on an undefined variable, naming it, instead of rendering an empty string', async () => {
    await expect(renderTemplate('{{ keychain.other.client_secret }}', context)).rejects.toThrow(TemplateError);
    await expect(renderTemplate('{{ keychain.other.client_secret }}', context)).rejects.toThrow("'keychain.other' is not defined");
    await expect(renderTemplate('Bearer {{ nope }}', context)).rejects.toThrow("'nope' is not defined");
  });

  it('reports syntax errors', async () => {
    await expect(renderTemplate('{{ a + }}', context)).rejects.toThrow(/cannot render/);
  });
});

describe('renderValue', () => {
  it('renders every string of a nested value and keeps the rest', async () => {
    const out = await renderValue(
      { headers: { Authorization: 'Bearer {{ token }}' }, data: ['{{ workload.token }}', 5, true, null] },
      workloadContext({ token: 't0k' }),
    );
    expect(out).toEqual({ headers: { Authorization: 'Bearer t0k' }, data: ['t0k', 5, true, null] });
  });
});
