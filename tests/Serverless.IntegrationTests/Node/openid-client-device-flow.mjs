// openid-client (panva), a client this project did not write, runs the device authorization grant (RFC 8628):
// discovers the server, asks for a user code as a public client, prints the device authorization response as one JSON
// line, then polls (at the interval the server asks for) until the user has answered, and prints the tokens as a
// second line. Input: one JSON object on stdin ({ issuer, clientId, scope }).
import * as client from 'openid-client';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));

// http is for the loopback test server only.
const config = await client.discovery(new URL(input.issuer), input.clientId, undefined, client.None(),
  { execute: [client.allowInsecureRequests] });

const started = await client.initiateDeviceAuthorization(config, { scope: input.scope });
process.stdout.write(JSON.stringify({
  user_code: started.user_code,
  verification_uri: started.verification_uri,
  verification_uri_complete: started.verification_uri_complete,
  expires_in: started.expires_in,
  interval: started.interval,
}) + '\n');

const tokens = await client.pollDeviceAuthorizationGrant(config, started);
const claims = tokens.claims();
process.stdout.write(JSON.stringify({
  token_type: tokens.token_type,
  access_token: tokens.access_token,
  refresh_token: tokens.refresh_token ?? null,
  scope: tokens.scope,
  sub: claims?.sub ?? null,
}) + '\n');
