// node-oidc-provider (oidc-provider 9.13.3 from the repository's node_modules) configured as this project's server is
// for client_credentials, for the side-by-side benchmark (bench/run.sh's side-by-side phase): POST /token,
// client_secret_basic, one confidential client, ES256-signed JWT access tokens (typ at+jwt) for one resource server.
// JWT-format tokens are not written to the adapter (models/base_model.js saves only opaque tokens' payloads), and a
// static client is read from the configuration, so nothing is stored per token, as on the local host.
//
// Settings (environment): BENCH_PORT, BENCH_ISSUER (http://127.0.0.1:PORT), BENCH_CLIENT_ID, BENCH_CLIENT_SECRET,
// BENCH_AUDIENCE. Prints "listening" once it is.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name}.`);
  return value;
}

const audience = required('BENCH_AUDIENCE');
// A P-256 key, as the local host's default (OAuth:Signing:Algorithm ES256).
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', use: 'sig', alg: 'ES256' };

const provider = new Provider(required('BENCH_ISSUER'), {
  clients: [{
    client_id: required('BENCH_CLIENT_ID'),
    client_secret: required('BENCH_CLIENT_SECRET'),
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'read',
  }],
  // The only key is ES256, so the clients' default ID token algorithm (RS256) must follow it.
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  jwks: { keys: [jwk] },
  scopes: ['read'],
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // No resource parameter in the request: the one API, as the local host picks the API of the client's scopes.
      defaultResource: () => audience,
      getResourceServerInfo: () => ({
        scope: 'read',
        audience,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});
provider.proxy = false;

const server = provider.listen(Number(required('BENCH_PORT')), '127.0.0.1', () => console.log('listening'));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
