import type { TemplatesApi } from '../../api/templates.js';
import type { LocalClientDeps } from './index.js';

export function localTemplates(_deps: LocalClientDeps): TemplatesApi {
  return {};
}
