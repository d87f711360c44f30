/**
 * The Auth0 issuers a gateway trusts, and the verification of their access tokens: a JWT signed
 * with an asymmetric key from the issuer's JWKS (fetched once, cached, fetched again for an
 * unknown `kid` after a cooldown), with `iss`, `aud`, `exp` and `nbf` checked against the
 * gateway's clock with a small skew. `alg: none` and HMAC tokens never verify: only public-key
 * algorithms are accepted, so a token "signed" with the public key as an HS256 secret fails.
 */
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { invalidError, NoetlError } from '../core/errors.js';

/** Public-key algorithms only (never `none`, never HS*). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Clock skew allowed on `exp` and `nbf`, in seconds. */
export const CLOCK_SKEW_SECONDS = 30;

export interface IssuerConfig {
  /** `--auth0-domain` values: `tenant.auth0.com` (issuer `https://tenant.auth0.com/`) or an issuer URL (`http://127.0.0.1:4000`). */
  domains: string[];
  /** The `aud` a token must carry (`--auth0-audience`). */
  audience: string;
  /** The JWKS of the issuer (`--jwks-url`; only with one domain), instead of `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: string;
  /** Least time between two JWKS fetches, ms (30 s). */
  jwksCooldownMs?: number;
  /** Longest a JWKS is used before it is fetched again, ms (10 min). */
  jwksMaxAgeMs?: number;
  /** Time allowed for a JWKS or userinfo request, ms (5 s). */
  fetchTimeoutMs?: number;
}

/** What a verified token says about its user. */
export interface VerifiedIdentity {
  /** The issuer's domain as configured (`tenant.auth0.com`). */
  domain: string;
  sub: string;
  email: string;
  display_name: string | null;
  claims: JWTPayload;
}

interface Issuer {
  domain: string;
  issuer: string;
  jwks: ReturnType<typeof createRemoteJWKSet>;
  userinfo: string;
}

function parseDomain(value: string): { domain: string; issuer: string; base: string } {
  const text = value.trim();
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalidError(`--auth0-domain ${text.slice(0, 100)} is not a domain or an issuer URL`);
    }
    return { domain: url.host, issuer: text, base: text.replace(/\/+$/, '') };
  }
  if (!/^[a-z0-9.-]+(:\d{1,5})?$/i.test(text)) throw invalidError(`--auth0-domain ${text.slice(0, 100)} is not a domain (e.g. your-tenant.auth0.com) or an issuer URL`);
  return { domain: text.toLowerCase(), issuer: `https://${text.toLowerCase()}/`, base: `https://${text.toLowerCase()}` };
}

export class IssuerSet {
  private readonly issuers: Issuer[];

  constructor(
    private readonly config: IssuerConfig,
    private readonly now: () => Date,
  ) {
    if (!config.domains.length) throw invalidError('the gateway needs at least one --auth0-domain to trust');
    if (!config.audience) throw invalidError('the gateway needs --auth0-audience: the API identifier access tokens are issued for');
    if (config.jwksUrl && config.domains.length > 1) throw invalidError('--jwks-url names the keys of one issuer: give a single --auth0-domain with it');
    this.issuers = config.domains.map((value) => {
      const { domain, issuer, base } = parseDomain(value);
      const jwks = createRemoteJWKSet(new URL(config.jwksUrl ?? `${base}/.well-known/jwks.json`), {
        cooldownDuration: config.jwksCooldownMs ?? 30_000,
        cacheMaxAge: config.jwksMaxAgeMs ?? 600_000,
        timeoutDuration: config.fetchTimeoutMs ?? 5_000,
      });
      return { domain, issuer, jwks, userinfo: `${base}/userinfo` };
    });
  }

  get domains(): string[] {
    return this.issuers.map((i) => i.domain);
  }

  /**
   * Verifies an access token for the issuer named by `domain` (or, when none is named, the one
   * its `iss` claims among the trusted ones). Unauthenticated, with a reason, when anything fails.
   */
  async verify(token: string, domain: string | undefined): Promise<VerifiedIdentity> {
    const issuer = this.pick(token, domain);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, issuer.jwks, {
        issuer: issuer.issuer,
        audience: this.config.audience,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: this.now(),
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw refusal(err);
    }
    const sub = String(claims.sub);
    const email = emailOf(claims) ?? (await this.userinfoEmail(issuer, token));
    if (!email) throw new NoetlError('unauthenticated', 'the Auth0 token carries no email, and the issuer\'s userinfo gave none: add the email claim to access tokens (an Auth0 Action)', { reason: 'no_email' });
    const name = [claims.name, claims.nickname].find((v): v is string => typeof v === 'string' && v.trim() !== '');
    return { domain: issuer.domain, sub, email, display_name: name ?? null, claims };
  }

  private pick(token: string, domain: string | undefined): Issuer {
    if (domain !== undefined) {
      const wanted = domain.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
      const found = this.issuers.find((i) => i.domain.toLowerCase() === wanted);
      if (!found) throw new NoetlError('unauthenticated', 'auth0_domain is not an issuer this gateway trusts', { reason: 'untrusted_issuer' });
      return found;
    }
    if (this.issuers.length === 1) return this.issuers[0];
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new NoetlError('unauthenticated', 'the Auth0 token is not a JWT', { reason: 'malformed' });
    }
    const found = this.issuers.find((i) => i.issuer === iss);
    if (!found) throw new NoetlError('unauthenticated', 'the token\'s issuer is not one this gateway trusts: send auth0_domain', { reason: 'untrusted_issuer' });
    return found;
  }

  /** Auth0 access tokens often carry no email: the issuer's /userinfo has it (an openid token). */
  private async userinfoEmail(issuer: Issuer, token: string): Promise<string | undefined> {
    try {
      const response = await fetch(issuer.userinfo, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(this.config.fetchTimeoutMs ?? 5_000) });
      if (!response.ok) return undefined;
      return emailOf((await response.json()) as JWTPayload);
    } catch {
      return undefined;
    }
  }
}

function emailOf(claims: JWTPayload): string | undefined {
  const direct = claims.email;
  if (typeof direct === 'string' && direct.includes('@')) return direct;
  // Auth0 Actions add custom claims under a namespace: `https://example.com/email`.
  for (const [key, value] of Object.entries(claims)) {
    if (key.endsWith('/email') && typeof value === 'string' && value.includes('@')) return value;
  }
  return undefined;
}

/** Why a token was refused, in words that never quote it. */
function refusal(err: unknown): NoetlError {
  const says = (message: string, reason: string) => new NoetlError('unauthenticated', `the Auth0 token is not valid: ${message}`, { reason, cause: err });
  if (err instanceof joseErrors.JWTExpired) return says('it has expired', 'expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return says('it was issued by another issuer', 'issuer');
    if (err.claim === 'aud') return says('it is meant for another audience', 'audience');
    if (err.claim === 'nbf') return says('it is not valid yet', 'not_before');
    return says(`its ${err.claim} claim is missing or wrong`, 'claims');
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) return says('no key of the issuer matches its kid', 'unknown_key');
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return says('its algorithm is not accepted (public-key signatures only)', 'algorithm');
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return says('its signature does not verify', 'signature');
  // A fetch that timed out, failed, or got no 200 (jose's generic error): the issuer, not the token.
  if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError) || err.code === 'ERR_JOSE_GENERIC') {
    return new NoetlError('unavailable', 'the issuer\'s keys could not be fetched: retry in a moment', { reason: 'jwks_unavailable', cause: err });
  }
  if (err instanceof joseErrors.JWKSInvalid || err instanceof joseErrors.JWKSMultipleMatchingKeys) return says('the issuer\'s key set is unusable', 'jwks');
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return says('it is not a well-formed JWT', 'malformed');
  return says('it could not be verified', 'unverified');
}
