// A sandbox for trying `noetl gateway` on one machine (README "Gateway"): the test issuer of
// test/gateway (a JWKS issuer standing in for Auth0) on 127.0.0.1:4000 and the NoETL server
// stand-in on 127.0.0.1:8082, until Ctrl-C. Tokens: POST http://127.0.0.1:4000/token with
// grant_type=client_credentials and email=<you> gives an access token for the audience `noetl`.
//   npx tsx test/gateway/sandbox.ts [ISSUER_PORT] [NOETL_PORT]
import { startIssuer, startNoetlStandIn } from './fixtures.js';

const SANDBOX_AUDIENCE = 'noetl';
const [issuerPort = '4000', noetlPort = '8082'] = process.argv.slice(2);
const issuer = await startIssuer({ port: Number(issuerPort) });
const noetl = await startNoetlStandIn(Number(noetlPort));
issuer.server.service.on('beforeTokenSigning', (token, req) => {
  const body = typeof req.body === 'object' ? req.body : {};
  const email = typeof body.email === 'string' && body.email.includes('@') ? body.email : 'dev@example.com';
  Object.assign(token.payload, { aud: SANDBOX_AUDIENCE, sub: `sandbox|${email}`, email, name: email.split('@')[0] });
});
process.stdout.write(
  [
    `issuer       ${issuer.issuer}  (JWKS ${issuer.jwksUrl}, audience ${SANDBOX_AUDIENCE})`,
    `noetl server ${noetl.url}  (stand-in: every execution completes)`,
    '',
    'start the gateway:',
    `  noetl gateway --auth0-domain ${issuer.issuer} --jwks-url ${issuer.jwksUrl} --auth0-audience ${SANDBOX_AUDIENCE} --noetl-server ${noetl.url}`,
    'get a token:',
    `  curl -s -X POST ${issuer.issuer}/token -d grant_type=client_credentials -d email=you@example.com | jq -r .access_token`,
    '',
  ].join('\n'),
);
process.once('SIGINT', () => void Promise.all([issuer.stop(), noetl.stop()]).then(() => process.exit(0)));
