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
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  if (page.status !== 200) throw new Error(`the sign-in page answered ${page.status}`);
  const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const html = await page.text();
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    form.append(decode(name), decode(value));
  }
  form.append('username', USERNAME);
  form.append('password', PASSWORD);
  form.append('decision', 'allow');
  const answer = await fetch(new URL('/authorize', authorizationUrl), {
    method: 'POST', body: form, redirect: 'manual', headers: cookies ? { cookie: cookies } : {},
  });
  const location = answer.headers.get('location');
  if (!location) throw new Error(`the sign-in form answered ${answer.status} without a redirect`);
  const back = new URL(location);
  if (!back.searchParams.get('code')) throw new Error(`no code in the redirect: ${back.search}`);
  return back.searchParams.get('code');
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
