// Upstream identity providers for the tests, built on oidc-provider (node-oidc-provider), which this project did not
// write: one generic OpenID Provider at /generic, and two Entra-shaped tenants at /{tid}/v2.0 (tid and oid claims,
// Entra's issuer form), plus Entra's multi-tenant discovery documents (/organizations/v2.0 for tenant A's endpoints,
// /b/organizations/v2.0 for tenant B's), whose issuer is the "{tenantid}" template, as Entra's own is.
// Usage: node upstream-provider.mjs '{"port":1234,"tenants":["<tidA>","<tidB>"],"clients":[{client_id,client_secret,redirect_uris}]}'
// The sign-in page asks for a username only (any name signs in; "mfa-..." names sign in with amr ["pwd","mfa"],
// "acrmfa-..." names with amr ["pwd"] and the multi-factor acr) and
// has a Cancel button, which answers access_denied.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const base = `http://127.0.0.1:${config.port}`;
const [tenantA, tenantB] = config.tenants;

const uuidOf = (text) => {
  const h = crypto.createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

function create(prefix, tenant) {
  const entra = tenant !== undefined;
  const provider = new Provider(base + prefix, {
    clients: config.clients.map((c) => ({
      ...c, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post',
    })),
    claims: entra
      ? { openid: ['sub', 'tid', 'oid', 'ver', 'amr', 'acr'], profile: ['name', 'preferred_username'], email: ['email'] }
      : { openid: ['sub', 'amr', 'acr'], profile: ['name'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    cookies: { keys: ['upstream-test-cookie-key'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `${prefix}/interaction/${interaction.uid}` },
    findAccount: async (ctx, id) => ({
      accountId: id,
      claims: async () => entra
        ? {
          sub: uuidOf(`pairwise:${tenant}:${id}`), tid: tenant, oid: uuidOf(`${tenant}:${id}`), ver: '2.0',
          name: `User ${id}`, preferred_username: `${id}@${tenant === tenantA ? 'tenant-a' : 'tenant-b'}.example`,
          email: `${id}@${tenant === tenantA ? 'tenant-a' : 'tenant-b'}.example`,
        }
        : { sub: id, name: `User ${id}`, email: `${id}@example.com`, email_verified: true },
    }),
  });
  return { prefix, provider, callback: provider.callback() };
}

const providers = [create('/generic'), create(`/${tenantA}/v2.0`, tenantA), create(`/${tenantB}/v2.0`, tenantB)];

const readForm = (req) => new Promise((resolve, reject) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => resolve(new URLSearchParams(body)));
  req.on('error', reject);
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function interaction({ prefix, provider }, req, res, rest) {
  const [uid, action] = rest.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Upstream sign-in</title></head><body><main>
<h1>Upstream sign-in (${escape(prefix)})</h1>
<form method="post" action="${prefix}/interaction/${uid}/login">
<label for="login">Username</label><input id="login" name="login" autofocus required>
<button type="submit">Sign in upstream</button></form>
<form method="post" action="${prefix}/interaction/${uid}/abort"><button type="submit">Cancel</button></form>
<p id="upstream-params">${escape(JSON.stringify(details.params))}</p>
</main></body></html>`);
    return;
  }
  const form = await readForm(req);
  if (action === 'abort') {
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
    return;
  }
  const accountId = form.get('login');
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  const amr = accountId.startsWith('mfa-') ? ['pwd', 'mfa'] : ['pwd'];
  // "acrmfa-..." names say MFA by acr alone (the PAPE multi-factor policy), as some providers do, with no mfa in amr.
  const login = accountId.startsWith('acrmfa-')
    ? { accountId, amr, acr: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor' }
    : { accountId, amr };
  await provider.interactionFinished(req, res, { login, consent: { grantId } }, { mergeWithLastSubmission: false });
}

async function organizations(res, tenantPrefix) {
  const response = await fetch(`${base}${tenantPrefix}/.well-known/openid-configuration`);
  const metadata = await response.json();
  metadata.issuer = `${base}/{tenantid}/v2.0`;
  delete metadata.authorization_response_iss_parameter_supported;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(metadata));
}

const server = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, base).pathname;
    if (path === '/organizations/v2.0/.well-known/openid-configuration') return await organizations(res, `/${tenantA}/v2.0`);
    if (path === '/b/organizations/v2.0/.well-known/openid-configuration') return await organizations(res, `/${tenantB}/v2.0`);
    for (const p of providers) {
      if (path.startsWith(`${p.prefix}/interaction/`)) return await interaction(p, req, res, path.slice(`${p.prefix}/interaction/`.length));
      if (path === p.prefix || path.startsWith(`${p.prefix}/`)) {
        req.originalUrl = req.url;
        req.url = req.url.slice(p.prefix.length) || '/';
        return p.callback(req, res);
      }
    }
    res.writeHead(404).end();
  } catch (e) {
    console.error(e);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});
server.listen(config.port, '127.0.0.1', () => console.log(`listening ${base}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
