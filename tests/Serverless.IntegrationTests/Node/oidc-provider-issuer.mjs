// A workload identity issuer this project did not write: oidc-provider (panva) over HTTPS on 127.0.0.1, issuing JWT
// access tokens by client credentials with resource indicators, as a platform (Entra ID, GitHub Actions) issues tokens
// to the workloads it runs. Input on stdin: { certFile, keyFile, clients: [{ client_id, client_secret }] }. Prints
// { issuer } once listening, then serves until the test stops the process.
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));

const server = https.createServer({ cert: readFileSync(input.certFile), key: readFileSync(input.keyFile) });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `https://127.0.0.1:${server.address().port}`;

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'workload-issuer-key', use: 'sig', alg: 'ES256' };

const provider = new Provider(issuer, {
  clients: input.clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    id_token_signed_response_alg: 'ES256',
  })),
  jwks: { keys: [jwk] },
  scopes: ['workload', 'short', 'read'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client, oneOf) => oneOf,
      useGrantedResource: () => true,
      // Any resource the test names is its audience; scope "short" makes a token that lives one second.
      getResourceServerInfo: (ctx) => ({
        scope: 'workload short read',
        accessTokenFormat: 'jwt',
        accessTokenTTL: String(ctx.oidc.params.scope ?? '').includes('short') ? 1 : 300,
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});
server.on('request', provider.callback());
process.stdout.write(JSON.stringify({ issuer }) + '\n');
