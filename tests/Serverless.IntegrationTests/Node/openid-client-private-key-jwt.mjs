// openid-client (panva), a client this project did not write: discovers the server, authenticates with
// private_key_jwt, gets a client_credentials token, introspects it and revokes it. Input: one JSON object on stdin
// ({ issuer, clientId, privateJwk, scope }); output: one JSON object on stdout.
import * as client from 'openid-client';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));

const key = await crypto.subtle.importKey('jwk', input.privateJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
// http is for the loopback test server only.
const config = await client.discovery(new URL(input.issuer), input.clientId, undefined,
  client.PrivateKeyJwt({ key, kid: input.privateJwk.kid }), { execute: [client.allowInsecureRequests] });

const tokens = await client.clientCredentialsGrant(config, { scope: input.scope });
const introspection = await client.tokenIntrospection(config, tokens.access_token);
await client.tokenRevocation(config, tokens.access_token);

process.stdout.write(JSON.stringify({
  token_type: tokens.token_type,
  access_token: tokens.access_token,
  active: introspection.active,
  client_id: introspection.client_id,
}));
