// The demo client: a public OAuth 2.0 client that lives in this page. It runs the authorization code flow with PKCE
// (RFC 7636, S256), checks state and iss (RFC 9207) on the way back, and shows each step in the sequence diagram.
// With "openid" it is also an OpenID Connect relying party: it sends a nonce and shows the ID token that comes back.
// It only decodes the ID token, to show it, after checking its nonce; a real relying party verifies its signature
// against the JWKS, as the OidcClient and OpenIdConnect handler tests do.
// Tokens stay in this tab's memory; they are sent only to this server's /token, /revoke and /resource, and never
// written to the console.

const CLIENT_ID = 'demo';
const SCOPE = 'openid profile read write offline_access';
const PENDING_KEY = 'demo.pending-authorization';

// This file is served at {site}/demo/app.js, so the site root and the page are found relative to it.
const siteRoot = new URL('../', import.meta.url);
const demoPage = new URL('demo', siteRoot);

const STEP_NUMBERS = { authorize: 1, login: 2, callback: 3, token: 4, resource: 5, expired: 6, refresh: 7, revoke: 8 };

const $ = (id) => document.getElementById(id);

/** What this tab holds after signing in. In memory only: a reload forgets it, which for a demo is the point. */
const session = { accessToken: null, refreshToken: null, claims: null, revoked: false };
let busy = false;
let countdownTimer = 0;
let metadataPromise = null;

// ---------------------------------------------------------------------------------------------------------------
// The diagram, the status line (an aria-live region) and the log

/** Highlights the current step; its outcome is "pending" while its request is on the way, then "ok" or "failed". */
function showStep(step, { failed = false, pending = false } = {}) {
  const diagram = $('diagram');
  for (const group of diagram.querySelectorAll('.step')) {
    group.classList.remove('active', 'failed');
  }

  diagram.querySelector(`.step[data-step="${step}"]`).classList.add('done', failed ? 'failed' : 'active');
  diagram.dataset.currentStep = step;
  diagram.dataset.outcome = failed ? 'failed' : pending ? 'pending' : 'ok';
}

function markDone(...steps) {
  for (const step of steps) {
    $('diagram').querySelector(`.step[data-step="${step}"]`).classList.add('done');
  }
}

function resetDiagram() {
  const diagram = $('diagram');
  for (const group of diagram.querySelectorAll('.step')) {
    group.classList.remove('active', 'failed', 'done');
  }

  diagram.dataset.currentStep = '';
  diagram.dataset.outcome = '';
}

function announce(step, text, { failed = false } = {}) {
  $('status').textContent = step ? `Step ${STEP_NUMBERS[step]}: ${text}` : text;
  $('status').classList.toggle('failed', failed);
}

function log(text, { failed = false } = {}) {
  const item = document.createElement('li');
  const time = document.createElement('time');
  const now = new Date();
  time.dateTime = now.toISOString();
  time.textContent = now.toLocaleTimeString('en-GB', { hour12: false });
  item.append(time, text);
  item.classList.toggle('failed', failed);
  $('log').append(item);
}

/** A step the server (or this page's own checks) refused: highlighted in red, explained, and logged. */
function refuse(step, error, description) {
  showStep(step, { failed: true });
  $('error-code').textContent = error;
  $('error-description').textContent = description ?? '';
  $('error-panel').hidden = false;
  announce(step, `refused with ${error}. ${description ?? ''}`.trim(), { failed: true });
  log(`${error}: ${description ?? ''}`, { failed: true });
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding, PKCE and the JWT

function base64url(bytes) {
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }

  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** 32 random bytes give a 43-character verifier, RFC 7636's minimum length, with 256 bits of entropy. */
function randomValue(bytes = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function s256(verifier) {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/**
 * Decodes (does not verify) a JWT, to show what is inside. A real client treats the access token as opaque: it is
 * the resource server's business, which verifies it against the JWKS.
 */
function decodeJwt(jwt) {
  const [header, payload] = jwt.split('.');
  const json = (part) => JSON.parse(new TextDecoder().decode(fromBase64url(part)));
  return { header: json(header), claims: json(payload) };
}

// ---------------------------------------------------------------------------------------------------------------
// Talking to the server

function metadata() {
  metadataPromise ??= fetch(new URL('.well-known/oauth-authorization-server', siteRoot), { credentials: 'omit' })
    .then((response) => {
      if (!response.ok) {
        throw new Error(`The metadata answered ${response.status}.`);
      }

      return response.json();
    })
    .catch((error) => {
      metadataPromise = null;
      throw error;
    });
  return metadataPromise;
}

function issuerUrl(issuer, path) {
  return new URL(path, issuer.endsWith('/') ? issuer : `${issuer}/`);
}

async function postForm(url, fields) {
  const response = await fetch(url, { method: 'POST', body: new URLSearchParams(fields), credentials: 'omit', cache: 'no-store' });
  const body = await response.json().catch(() => ({}));
  return { response, body };
}

function failureOf(response, body) {
  return [body.error ?? `http_${response.status}`, body.error_description ?? `${response.status} ${response.statusText}`.trim()];
}

// ---------------------------------------------------------------------------------------------------------------
// The flow

async function signIn() {
  const server = await metadata();
  const verifier = randomValue();
  const state = randomValue(16);
  const nonce = randomValue(16);
  const redirectUri = issuerUrl(server.issuer, 'demo/callback').href;
  // The verifier and state must survive the trip to the login page and back; sessionStorage is this tab's, and the
  // callback removes them at once.
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, nonce, issuer: server.issuer, redirectUri }));

  const authorize = new URL(server.authorization_endpoint);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    scope: SCOPE,
    state,
    nonce,
    code_challenge: await s256(verifier),
    code_challenge_method: 'S256',
  }).toString();

  showStep('authorize', { pending: true });
  announce('authorize', 'off to the authorization server with the PKCE challenge and a fresh state.');
  log('GET /authorize with code_challenge (S256) and state');
  location.assign(authorize.href);
}

async function completeSignIn(params) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null');
  sessionStorage.removeItem(PENDING_KEY);
  // The code leaves the address bar and the history at once; with Referrer-Policy: no-referrer it leaks nowhere.
  history.replaceState(null, '', demoPage.href);
  markDone('authorize', 'login');
  showStep('callback', { pending: true });

  if (pending === null) {
    refuse('callback', 'no_pending_sign_in', 'This tab did not start a sign-in, or already finished it. Press Sign in to start again.');
    return;
  }

  if (params.get('state') !== pending.state) {
    refuse('callback', 'state_mismatch', 'The state that came back is not the one this page sent, so the answer is ignored.');
    return;
  }

  if (params.get('iss') !== pending.issuer) {
    refuse('callback', 'issuer_mismatch', 'The answer names another issuer (RFC 9207), so it is ignored.');
    return;
  }

  if (params.has('error')) {
    refuse('callback', params.get('error'), params.get('error_description') ?? '');
    return;
  }

  const code = params.get('code');
  if (!code) {
    refuse('callback', 'invalid_response', 'The answer carries neither a code nor an error.');
    return;
  }

  log('302 /demo/callback with a code; state and iss match');
  showStep('token', { pending: true });
  announce('token', 'exchanging the code and the PKCE verifier at the token endpoint.');
  const server = await metadata();
  const { response, body } = await postForm(server.token_endpoint, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: pending.redirectUri,
    client_id: CLIENT_ID,
    code_verifier: pending.verifier,
  });
  if (!response.ok) {
    refuse('token', ...failureOf(response, body));
    return;
  }

  // OpenID Connect Core §3.1.3.7: the ID token must carry the nonce this page sent, or it answers another request.
  if (body.id_token && decodeJwt(body.id_token).claims.nonce !== pending.nonce) {
    refuse('token', 'nonce_mismatch', 'The ID token carries another nonce than the one this page sent, so it is ignored.');
    return;
  }

  acceptTokens(body);
  showStep('token');
  announce('token', 'the server checked the verifier against the challenge and issued an access token and a refresh token.');
  log(`POST /token (authorization_code): ${response.status}, scope "${body.scope}"`);
}

function acceptTokens(body) {
  const { header, claims } = decodeJwt(body.access_token);
  session.accessToken = body.access_token;
  session.refreshToken = body.refresh_token ?? null;
  session.claims = claims;
  session.revoked = false;

  $('token-header').textContent = JSON.stringify(header, null, 2);
  $('token-claims').textContent = JSON.stringify(claims, null, 2);
  $('access-token').textContent = body.access_token;
  $('refresh-token').textContent = body.refresh_token ?? '(none)';
  $('token-panel').hidden = false;
  showIdToken(body.id_token);
  $('error-panel').hidden = true;
  startCountdown();
  setSignedIn(true);
}

function startCountdown() {
  clearInterval(countdownTimer);
  const { iat, exp } = session.claims;
  const tick = () => {
    const left = Math.max(0, Math.ceil(exp - Date.now() / 1000));
    $('expires-in').textContent = left > 0 ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}` : '0:00, expired';
    $('expires-in').classList.toggle('expired', left === 0);
    $('lifetime').value = exp > iat ? left / (exp - iat) : 0;
    if (left === 0) {
      clearInterval(countdownTimer);
      announce(null, 'The access token has expired. Call the resource to see it refused, then refresh.');
      log('The access token expired (its exp has passed)');
    }
  };
  tick();
  countdownTimer = setInterval(tick, 1000);
}

/** The ID token beside the access token: who signed in, when and how (a refresh brings a new one about the same sign-in). */
function showIdToken(idToken) {
  $('id-token-panel').hidden = !idToken;
  if (!idToken) {
    return;
  }

  const { header, claims } = decodeJwt(idToken);
  $('id-token-header').textContent = JSON.stringify(header, null, 2);
  $('id-token-claims').textContent = JSON.stringify(claims, null, 2);
  $('id-token').textContent = idToken;
}

async function callResource() {
  const server = await metadata();
  const response = await fetch(issuerUrl(server.issuer, 'resource'), {
    headers: { Authorization: `Bearer ${session.accessToken}` },
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await response.text();
  const challenge = response.headers.get('WWW-Authenticate') ?? '';
  let shown = text || '(no body)';
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // Not JSON: shown as it came.
  }

  const status = $('resource-status');
  status.textContent = `${response.status} ${response.ok ? 'OK' : 'refused'}`;
  status.className = `badge ${response.ok ? 'ok' : 'refused'}`;
  $('resource-challenge').textContent = challenge ? `WWW-Authenticate: ${challenge}` : '';
  $('resource-body').textContent = shown;
  $('resource-panel').hidden = false;

  if (response.ok) {
    showStep('resource');
    announce('resource', 'the resource verified the access token and answered 200.');
    log(`GET /resource: ${response.status}`);
  } else if (response.status === 401 && challenge.includes('invalid_token')) {
    showStep('expired');
    announce('expired', 'the resource answered 401 invalid_token: the access token has expired or was revoked.');
    log(`GET /resource: ${response.status} invalid_token`, { failed: true });
  } else {
    showStep('resource', { failed: true });
    announce('resource', `the resource answered ${response.status}.`);
    log(`GET /resource: ${response.status}`, { failed: true });
  }
}

async function refresh() {
  const server = await metadata();
  const { response, body } = await postForm(server.token_endpoint, {
    grant_type: 'refresh_token',
    refresh_token: session.refreshToken,
    client_id: CLIENT_ID,
  });
  if (!response.ok) {
    refuse('refresh', ...failureOf(response, body));
    return;
  }

  acceptTokens(body);
  showStep('refresh');
  announce('refresh', 'a new access token, and a new refresh token: the old one is spent (rotation).');
  log(`POST /token (refresh_token): ${response.status}`);
}

async function revoke() {
  const server = await metadata();
  const { response, body } = await postForm(server.revocation_endpoint, {
    token: session.refreshToken,
    token_type_hint: 'refresh_token',
    client_id: CLIENT_ID,
  });
  if (!response.ok) {
    refuse('revoke', ...failureOf(response, body));
    return;
  }

  session.revoked = true;
  showStep('revoke');
  announce('revoke', 'the refresh token is revoked, with its family and the access tokens issued in it. Call the resource or refresh to see them refused.');
  log(`POST /revoke: ${response.status}`);
}

async function signOut() {
  if (session.refreshToken && !session.revoked) {
    const server = await metadata();
    const { response } = await postForm(server.revocation_endpoint, { token: session.refreshToken, token_type_hint: 'refresh_token', client_id: CLIENT_ID });
    log(`POST /revoke: ${response.status}`, { failed: !response.ok });
  }

  clearInterval(countdownTimer);
  Object.assign(session, { accessToken: null, refreshToken: null, claims: null, revoked: false });
  for (const id of ['token-panel', 'id-token-panel', 'resource-panel', 'error-panel']) {
    $(id).hidden = true;
  }

  for (const id of ['token-header', 'token-claims', 'access-token', 'refresh-token', 'id-token-header', 'id-token-claims', 'id-token', 'resource-body']) {
    $(id).textContent = '';
  }

  resetDiagram();
  setSignedIn(false);
  $('sign-in').focus();
  announce(null, 'Signed out: the tokens are revoked and forgotten. Press “Sign in” to start again.');
  log('Signed out');
}

// ---------------------------------------------------------------------------------------------------------------
// Buttons and start-up

function setSignedIn(signedIn) {
  $('sign-in').disabled = signedIn;
  for (const id of ['call-resource', 'refresh', 'revoke', 'sign-out']) {
    $(id).disabled = !signedIn;
  }
}

/** One action at a time; a network failure is shown like any refusal instead of vanishing into the console. */
function wire(id, step, action) {
  $(id).addEventListener('click', async () => {
    if (busy) {
      return;
    }

    busy = true;
    document.body.setAttribute('aria-busy', 'true');
    try {
      await action();
    } catch (error) {
      refuse(step, 'network_error', `Could not reach the server (${error.message}).`);
    } finally {
      busy = false;
      document.body.removeAttribute('aria-busy');
    }
  });
}

async function start() {
  wire('sign-in', 'authorize', signIn);
  wire('call-resource', 'resource', callResource);
  wire('refresh', 'refresh', refresh);
  wire('revoke', 'revoke', revoke);
  wire('sign-out', 'revoke', signOut);

  try {
    const server = await metadata();
    if (new URL(server.issuer).origin !== location.origin) {
      // The redirect URI is registered under the issuer, and sessionStorage is per origin: start where it will end.
      $('sign-in').disabled = true;
      announce(null, `Open this page at ${issuerUrl(server.issuer, 'demo').href}: the demo client's redirect URI is registered there.`);
    } else if (location.pathname.endsWith('/demo/callback')) {
      await completeSignIn(new URLSearchParams(location.search));
    }
  } catch (error) {
    refuse('authorize', 'network_error', `Could not read the server's metadata (${error.message}).`);
  } finally {
    // Tests (and the curious) can tell that start-up, including any code exchange, has finished.
    document.documentElement.dataset.demoReady = 'true';
  }
}

start();
