// openid-client (panva), a client this project did not write, with DPoP (RFC 9449): it discovers the server, makes a
// P-256 key, asks /authorize with dpop_jkt (the key's thumbprint), prints {"url": ...}, reads the redirect the
// browser ended at from standard input, redeems the code with a DPoP proof (retrying once with the server's nonce when
// asked, use_dpop_nonce), reads UserInfo with "Authorization: DPoP" and a proof with ath, refreshes with a proof of
// the same key, calls the demo resource with the refreshed token, and prints what it saw as one line of JSON.
// Usage: node openid-client-dpop.mjs <issuer> <client_id> <redirect_uri>. http only for the loopback test server.
import * as client from 'openid-client';
import readline from 'node:readline';

const [issuer, clientId, redirectUri] = process.argv.slice(2);
try {
  const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
  const keyPair = await client.randomDPoPKeyPair('ES256');
  const DPoP = client.getDPoPHandle(config, keyPair);
  const thumbprint = await DPoP.calculateThumbprint();
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid read offline_access', code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256', nonce, state, dpop_jkt: thumbprint,
  });
  console.log(JSON.stringify({ url: url.href }));
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const tokens = await client.authorizationCodeGrant(
      config, new URL(line), { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state }, undefined, { DPoP });
    const sub = tokens.claims().sub;
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP });
    const resource = await client.fetchProtectedResource(
      config, refreshed.access_token, new URL(issuer + '/resource'), 'GET', null, undefined, { DPoP });
    console.log(JSON.stringify({
      thumbprint,
      token_type: tokens.token_type,
      access_token: tokens.access_token,
      userinfo_sub: userinfo.sub,
      refreshed_token_type: refreshed.token_type,
      refreshed_access_token: refreshed.access_token,
      refresh_token: refreshed.refresh_token,
      resource_status: resource.status,
      resource: await resource.json(),
    }));
    break;
  }
} catch (e) {
  console.log(JSON.stringify({ error: String(e), cause: String(e.cause ?? ''), body: e.error ?? null }));
  process.exitCode = 1;
}
