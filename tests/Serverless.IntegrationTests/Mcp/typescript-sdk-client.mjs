// An MCP client built on the MCP TypeScript SDK (@modelcontextprotocol/sdk 1.x), driven by McpTypeScriptSdkTests:
// it connects to the MCP server at MCP_URL with no client set up in advance (through its Client ID Metadata Document
// when CLIENT_METADATA_URL is set, else through dynamic registration), signs the user in, calls the "whoami" tool,
// and, after the test writes a line to stdin (the test has let the access token expire), calls it again. Each step
// prints one JSON line on stdout.
import readline from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const { MCP_URL, CLIENT_METADATA_URL, USERNAME, PASSWORD } = process.env;
const redirectUrl = 'http://127.0.0.1:51998/callback';
const say = (event) => console.log(JSON.stringify(event));

// What a person does in the browser: the sign-in page (its form filled in and allowed); returns the code from the
// redirect. The one function that knows the page; keep every other step free of it.
async function signIn(authorizationUrl) {
  post.cookies = undefined;
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  if (page.status !== 200) throw new Error(`the sign-in page answered ${page.status}`);
  // Step one: the password; step two, only when the server asks: Allow.
  let answer = await post(authorizationUrl, page, { username: USERNAME, password: PASSWORD });
  if (answer.status === 200) answer = await post(authorizationUrl, answer, { decision: 'allow' });
  const location = answer.headers.get('location');
  if (!location) throw new Error(`the sign-in form answered ${answer.status} without a redirect`);
  const back = new URL(location);
  if (!back.searchParams.get('code')) throw new Error(`no code in the redirect: ${back.search}`);
  return back.searchParams.get('code');
}

// Posts the first form of the page in `response` (its hidden fields plus `extra`) with the cookies it set, and
// those the page before set (`post.cookies`).
async function post(authorizationUrl, response, extra) {
  const cookies = new Map(post.cookies ?? []);
  for (const c of response.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at), pair.slice(at + 1));
  }
  post.cookies = cookies;
  const html = await response.text();
  const formHtml = html.includes('id="password-form"') ? html.slice(html.indexOf('id="password-form"')) : html;
  const form = new URLSearchParams();
  for (const [, name, value] of formHtml.slice(0, formHtml.indexOf('</form>')).matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    form.append(decode(name), decode(value));
  }
  for (const [name, value] of Object.entries(extra)) form.append(name, value);
  const cookie = [...cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  return fetch(new URL('/authorize', authorizationUrl), {
    method: 'POST', body: form, redirect: 'manual', headers: cookie ? { cookie } : {},
  });
}

function decode(text) {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x2B;/g, '+').replace(/&amp;/g, '&');
}

let signIns = 0;
let pendingCode;
const saved = { client: undefined, tokens: [], verifier: undefined };
const provider = {
  get redirectUrl() { return redirectUrl; },
  clientMetadataUrl: CLIENT_METADATA_URL || undefined,
  get clientMetadata() {
    return {
      client_name: 'MCP TypeScript SDK test client',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  },
  clientInformation: () => saved.client,
  saveClientInformation: (info) => { saved.client = info; },
  tokens: () => saved.tokens.at(-1),
  saveTokens: (tokens) => { saved.tokens.push(tokens); },
  redirectToAuthorization: (url) => { signIns++; pendingCode = signIn(url.toString()); },
  saveCodeVerifier: (verifier) => { saved.verifier = verifier; },
  codeVerifier: () => saved.verifier,
};

async function connect() {
  const client = new Client({ name: 'typescript-sdk-test', version: '1.0.0' });
  let transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
  try {
    await client.connect(transport);
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    await transport.finishAuth(await pendingCode);
    transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider });
    await client.connect(transport);
  }
  return client;
}

async function whoami(client) {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  if (result.isError) throw new Error('the tool failed: ' + JSON.stringify(result.content));
  return result.content[0].text;
}

try {
  const client = await connect();
  say({ event: 'called', text: await whoami(client) });
  const lines = readline.createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once('line', resolve));
  say({ event: 'called', text: await whoami(client) });
  say({
    event: 'done',
    signIns,
    clientId: saved.client?.client_id,
    tokens: saved.tokens.map((t) => ({ access: t.access_token.slice(-12), refresh: t.refresh_token ? t.refresh_token.slice(-12) : null })),
  });
  lines.close();
  await client.close();
  process.exit(0);
} catch (error) {
  say({ event: 'failed', message: String(error?.stack ?? error) });
  process.exit(1);
}
