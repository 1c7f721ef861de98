// A relying party this project did not write: openid-client (panva) discovers the server, builds the authorization
// request (PKCE S256, state, nonce), prints it as {"url": ...}, reads the redirect the browser ended at from standard
// input, redeems the code and validates the ID token (signature against the discovered JWKS, iss, aud, exp, nonce),
// and prints {"claims": ...}. Usage: node relying-party.mjs <issuer> <client_id> <redirect_uri>
// http is allowed for the loopback test server only (allowInsecureRequests).
import * as client from 'openid-client';
import readline from 'node:readline';

const [issuer, clientId, redirectUri] = process.argv.slice(2);
try {
  const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid email', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce, state,
  });
  console.log(JSON.stringify({ url: url.href }));
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const tokens = await client.authorizationCodeGrant(config, new URL(line), { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    console.log(JSON.stringify({ claims: tokens.claims() }));
    break;
  }
} catch (e) {
  console.log(JSON.stringify({ error: String(e), cause: String(e.cause ?? '') }));
  process.exitCode = 1;
}
