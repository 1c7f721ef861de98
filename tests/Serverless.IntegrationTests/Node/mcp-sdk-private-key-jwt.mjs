// The MCP TypeScript SDK's own private_key_jwt client (1.x PrivateKeyJwtProvider, client_credentials), driven by
// McpSdkContractTests: it connects to the MCP server at mcpUrl, gets its token from the authorization server the
// server names with an assertion the SDK signs with privateJwk, and calls the "whoami" tool. Input: one JSON object on
// stdin ({ mcpUrl, issuer, clientId, privateJwk, scope, clockOffsetMs }); output: one JSON object on stdout, { called, text,
// tokens, tokenRequests } or { error, failed, tokens, tokenRequests }; tokens is how many token responses the provider saved,
// error the OAuth error code the SDK reports, tokenRequests what the SDK sent to /token (the form's names, grant_type, client_assertion_type, the assertion's
// header, whether an Authorization header went along).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PrivateKeyJwtProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));

// The server under test may run on a test clock ahead of the real one (clockOffsetMs): the SDK's assertion is dated by
// that clock, as a client whose clock agrees with the server's would date it.
if (typeof input.clockOffsetMs === 'number' && input.clockOffsetMs !== 0) {
  const RealDate = Date;
  const offset = input.clockOffsetMs;
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) {
        super(RealDate.now() + offset);
      } else {
        super(...args);
      }
    }

    static now() {
      return RealDate.now() + offset;
    }
  };
}

// Watches what the SDK posts to the token endpoint; changes nothing.
const tokenRequests = [];
const fetchAsIs = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  if (new URL(String(url)).pathname.endsWith('/token') && init?.body instanceof URLSearchParams) {
    const form = init.body;
    const assertion = form.get('client_assertion');
    const headers = new Headers(init.headers);
    tokenRequests.push({
      names: [...form.keys()].sort(),
      grant_type: form.get('grant_type'),
      client_assertion_type: form.get('client_assertion_type'),
      assertion_header: assertion ? JSON.parse(Buffer.from(assertion.split('.')[0], 'base64url').toString()) : null,
      authorization: headers.has('authorization'),
    });
  }
  return fetchAsIs(url, init);
};

// The SDK's provider as its documentation shows it; saveTokens is counted, nothing else is changed.
const provider = new PrivateKeyJwtProvider({
  clientId: input.clientId,
  privateKey: input.privateJwk,
  algorithm: 'ES256',
  scope: input.scope,
  expectedIssuer: input.issuer,
});
let saved = 0;
const saveTokens = provider.saveTokens.bind(provider);
provider.saveTokens = (tokens) => { saved++; saveTokens(tokens); };

const client = new Client({ name: 'typescript-sdk-private-key-jwt', version: '1.0.0' });
try {
  await client.connect(new StreamableHTTPClientTransport(new URL(input.mcpUrl), { authProvider: provider }));
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  if (result.isError) throw new Error('the tool failed: ' + JSON.stringify(result.content));
  process.stdout.write(JSON.stringify({ called: true, text: result.content[0].text, tokens: saved, tokenRequests }));
  await client.close();
} catch (error) {
  process.stdout.write(JSON.stringify({ called: false, error: error?.errorCode ?? error?.constructor?.errorCode ?? null, failed: String(error?.message ?? error), tokens: saved, tokenRequests }));
}
process.exit(0);
