// openid-client (panva), a client this project did not write, pushing its authorization request (RFC 9126).
// Input: one JSON object on stdin; output: one JSON object on stdout. Two steps, one run each:
//  { step: "push", issuer, clientId, clientSecret, redirectUri, scope }
//     -> { url, codeVerifier, state, nonce }: the /authorize URL (client_id and request_uri only) after the push
//  { step: "exchange", issuer, clientId, clientSecret, callbackUrl, codeVerifier, state, nonce }
//     -> the token response's claims the test checks
import * as client from 'openid-client';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));

// http is for the loopback test server only.
const config = await client.discovery(new URL(input.issuer), input.clientId, input.clientSecret, undefined,
  { execute: [client.allowInsecureRequests] });

if (input.step === 'push') {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: input.redirectUri,
    scope: input.scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  process.stdout.write(JSON.stringify({
    url: url.href,
    codeVerifier,
    state,
    nonce,
    parEndpoint: config.serverMetadata().pushed_authorization_request_endpoint,
  }));
} else {
  const tokens = await client.authorizationCodeGrant(config, new URL(input.callbackUrl), {
    pkceCodeVerifier: input.codeVerifier,
    expectedState: input.state,
    expectedNonce: input.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  process.stdout.write(JSON.stringify({
    token_type: tokens.token_type,
    access_token: tokens.access_token,
    sub: claims.sub,
    aud: claims.aud,
  }));
}
