/** Every rule, in the order --list-rules shows them. */
import type { Rule } from '../types.js';
import { authRefNaming } from './auth-ref-naming.js';
import { authSecretPath } from './auth-secret-path.js';
import { bearerVariableOrder } from './bearer-variable-order.js';
import { bearerWithoutVariable } from './bearer-without-variable.js';
import { duplicateKey } from './duplicate-key.js';
import { inlineAuthSecret } from './inline-auth-secret.js';
import { invalidSuppression } from './invalid-suppression.js';
import { keychainAutoRenew } from './keychain-auto-renew.js';
import { keychainCycle } from './keychain-cycle.js';
import { keychainKind } from './keychain-kind.js';
import { keychainName } from './keychain-name.js';
import { keychainOrder } from './keychain-order.js';
import { keychainRequiredFields } from './keychain-required-fields.js';
import { keychainScope } from './keychain-scope.js';
import { keychainTtl } from './keychain-ttl.js';
import { keychainUnknownKey } from './keychain-unknown-key.js';
import { literalSecret } from './literal-secret.js';
import { literalSecretDefault } from './literal-secret-default.js';
import { localScopeToChild } from './local-scope-to-child.js';
import { missingCredential } from './missing-credential.js';
import { passwordViaWorkload } from './password-via-workload.js';
import { templateSyntax } from './template-syntax.js';
import { undefinedKeychain } from './undefined-keychain.js';
import { undefinedReference } from './undefined-reference.js';
import { undefinedWorkloadKey } from './undefined-workload-key.js';
import { unusedKeychainEntry } from './unused-keychain-entry.js';
import { variableNaming } from './variable-naming.js';
import { yamlSyntax } from './yaml-syntax.js';

export const RULES: readonly Rule[] = [
  yamlSyntax,
  duplicateKey,
  templateSyntax,
  keychainName,
  keychainKind,
  keychainRequiredFields,
  keychainScope,
  keychainTtl,
  keychainAutoRenew,
  keychainUnknownKey,
  undefinedKeychain,
  keychainOrder,
  keychainCycle,
  unusedKeychainEntry,
  undefinedWorkloadKey,
  undefinedReference,
  bearerVariableOrder,
  inlineAuthSecret,
  authSecretPath,
  literalSecret,
  literalSecretDefault,
  passwordViaWorkload,
  bearerWithoutVariable,
  authRefNaming,
  variableNaming,
  localScopeToChild,
  missingCredential,
  invalidSuppression,
];

export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.id, r]));
