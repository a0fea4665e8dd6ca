// A real OpenID Provider for Insideout's single sign-on tests: panva's oidc-provider
// (OpenID Certified), configured as a small company IdP. See README.md beside this file.
//
//   node tests/idp/provider.mjs --users USERS.json [--clients CLIENTS.json] [--keys JWKS.json]
//                               [--port PORT] [--exit-with-stdin]
//
// Every option may also come from the environment: IDP_USERS_FILE, IDP_CLIENTS_FILE,
// IDP_KEYS_FILE, IDP_PORT; without a clients file, IDP_CLIENT_ID, IDP_CLIENT_SECRET and
// IDP_REDIRECT_URIS (comma-separated) describe the one client.
//
// What it is:
//   1. It listens on 127.0.0.1 only, over plain http; the issuer is http://127.0.0.1:PORT.
//      PORT 0 (the default) takes a free port. One line on standard output says it is ready:
//        insideout-test-idp ready at http://127.0.0.1:PORT
//   2. Users and clients live in JSON files that are read again on every use, so one process
//      serves a whole test session while the tests add users and redirect URIs.
//   3. The authorization code flow only, with PKCE (S256) required for every client, and
//      client_secret_basic or client_secret_post at the token endpoint.
//   4. Scopes openid, profile, email and groups; their claims go into the ID token as well as
//      userinfo (conformIdTokenClaims is off).
//   5. ID tokens are signed RS256 with a key from --keys (a private JWKS) or one made at start;
//      the public half is served at /jwks.
//   6. The login and consent pages are plain HTML forms posted back to the provider, with
//      stable ids and names: README.md documents them for the tests that drive them.
//   7. No page loads anything from elsewhere: the library's default pages import web fonts, so
//      every page it renders is replaced here.

import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';
// The library's in-memory store of sessions, interactions, grants and codes. It is not part of
// the package's documented API, but the lock file pins the version, and a test IdP that
// lives for one test session needs nothing more durable.
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

const HOST = '127.0.0.1';
const READY = 'insideout-test-idp ready at';
const SCOPES = ['openid', 'profile', 'email', 'groups'];
const BODY_LIMIT = 64 * 1024;

// --- options ---------------------------------------------------------------------------------

function readOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.IDP_PORT ?? '0' },
      users: { type: 'string', default: process.env.IDP_USERS_FILE },
      clients: { type: 'string', default: process.env.IDP_CLIENTS_FILE },
      keys: { type: 'string', default: process.env.IDP_KEYS_FILE },
      'exit-with-stdin': { type: 'boolean', default: false },
    },
  });
  if (!values.users) fail('--users FILE (or IDP_USERS_FILE) is required');
  if (!values.clients && !process.env.IDP_CLIENT_ID) fail('--clients FILE (or IDP_CLIENT_ID) is required');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`not a port: ${values.port}`);
  return { ...values, port };
}

function fail(message) {
  console.error(`provider.mjs: ${message}`);
  process.exit(2);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// --- users: [{sub, username, password, name, email, email_verified, groups}], read on every use

function readUsers(path) {
  const users = readJson(path);
  if (!Array.isArray(users)) throw new TypeError(`${path}: expected a JSON list of users`);
  return users;
}

function findUser(path, predicate) {
  return readUsers(path).find(predicate);
}

// The claims of each scope; a claim the user's entry lacks is left out.
const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'preferred_username'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
};

function claimsOf(user) {
  const claims = {
    sub: user.sub,
    preferred_username: user.username,
    name: user.name,
    email: user.email,
    email_verified: user.email_verified,
    groups: user.groups,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

// --- clients: [{client_id, client_secret, redirect_uris, ..., consent?}], read on every use --
//
// `consent` is ours, not client metadata: "auto" (the default, a first-party client) grants
// the requested scopes without a page; "form" shows the Continue form. Any other key is
// oidc-provider client metadata (token_endpoint_auth_method defaults to client_secret_basic,
// and either basic or post is accepted at the token endpoint whichever is registered).

function readClients(options) {
  if (!options.clients) {
    return [{
      client_id: process.env.IDP_CLIENT_ID,
      client_secret: process.env.IDP_CLIENT_SECRET,
      redirect_uris: (process.env.IDP_REDIRECT_URIS ?? '').split(',').filter(Boolean),
    }];
  }
  const clients = readJson(options.clients);
  if (!Array.isArray(clients)) throw new TypeError(`${options.clients}: expected a JSON list of clients`);
  return clients;
}

function findClient(options, clientId) {
  return readClients(options).find((client) => client.client_id === clientId);
}

// The store oidc-provider asks for a client it does not hold statically. Its cache is keyed by
// a hash of the metadata, so a changed redirect URI takes effect on the next request.
class ClientsFromFile {
  constructor(options) { this.options = options; }

  async find(id) {
    const client = findClient(this.options, id);
    if (!client) return undefined;
    const { consent, ...metadata } = client;
    return metadata;
  }

  async upsert() { throw new Error('clients are read from the clients file'); }

  async destroy() { throw new Error('clients are read from the clients file'); }
}

// --- signing keys ----------------------------------------------------------------------------

function signingKeys(path) {
  if (path) return readJson(path);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: randomBytes(8).toString('base64url'), alg: 'RS256', use: 'sig' }] };
}

// --- the provider's configuration ------------------------------------------------------------

function configuration(options) {
  const memory = createMemoryAdapter(15);
  return {
    adapter: (model) => (model === 'Client' ? new ClientsFromFile(options) : memory(model)),
    clients: [],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: SCOPES,
    claims: { acr: null, auth_time: null, sid: null, ...SCOPE_CLAIMS },
    conformIdTokenClaims: false,
    // Lifetimes in seconds; set, so that the library does not warn about its defaults.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    jwks: signingKeys(options.keys),
    // Cookies are not scoped by port: on 127.0.0.1 the relying party under test shares the
    // IdP's cookie jar, so the IdP's cookies carry names of their own.
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      names: { session: 'test_idp_session', interaction: 'test_idp_interaction', resume: 'test_idp_resume' },
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    interactions: { url: async (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (ctx, sub) => {
      const user = findUser(options.users, (candidate) => candidate.sub === sub);
      if (!user) return undefined;
      return { accountId: sub, claims: async () => claimsOf(user) };
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1>Error</h1>
<p id="error">${escape(out.error)}</p>
<p id="error_description">${escape(out.error_description ?? '')}</p>`);
    },
  };
}

async function logoutSource(ctx, form) {
  ctx.body = page('Sign out', `<h1>Sign out of the test IdP?</h1>
${form}
<button id="logout-yes" type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button id="logout-no" type="submit" form="op.logoutForm">No, stay signed in</button>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Signed out', '<h1 id="signed-out">You are signed out.</h1>');
}

// --- the pages -------------------------------------------------------------------------------

function escape(value) {
  return String(value).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escape(title)} - Test IdP</title></head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function cancelForm(uid) {
  return `<form id="cancel-form" method="post" action="/interaction/${escape(uid)}/abort">
<button id="cancel" type="submit">Cancel</button>
</form>`;
}

function loginPage(uid, clientId, { username = '', error } = {}) {
  const alert = error ? `<p id="login-error" role="alert">${escape(error)}</p>\n` : '';
  return page('Sign in', `<h1>Sign in to the test IdP</h1>
<p>to continue to <strong id="client-id">${escape(clientId)}</strong></p>
${alert}<form id="login-form" method="post" action="/interaction/${escape(uid)}/login">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" value="${escape(username)}" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="sign-in" type="submit">Sign in</button>
</form>
${cancelForm(uid)}`);
}

function consentPage(uid, clientId, scopes) {
  const items = scopes.map((scope) => `<li>${escape(scope)}</li>`).join('');
  return page('Continue', `<h1>Continue to <span id="client-id">${escape(clientId)}</span>?</h1>
<p>It will see:</p>
<ul id="scopes">${items}</ul>
<form id="consent-form" method="post" action="/interaction/${escape(uid)}/confirm">
<button id="continue" type="submit">Continue</button>
</form>
${cancelForm(uid)}`);
}

// --- the interactions: /interaction/UID (GET), /login, /confirm, /abort (POST) ---------------

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > BODY_LIMIT) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function sendHtml(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

// Grant what the consent prompt says is missing, and resume the authorization.
async function grantConsent(provider, req, res, interaction) {
  const { prompt: { details }, params, session } = interaction;
  const grant = interaction.grantId
    ? await provider.Grant.find(interaction.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  const consent = interaction.grantId ? {} : { grantId };
  await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
}

async function showInteraction(provider, options, req, res) {
  const interaction = await provider.interactionDetails(req, res);
  const { uid, prompt, params } = interaction;
  if (prompt.name === 'login') return sendHtml(res, 200, loginPage(uid, params.client_id));
  if (findClient(options, params.client_id)?.consent === 'form') {
    return sendHtml(res, 200, consentPage(uid, params.client_id, String(params.scope ?? '').split(' ')));
  }
  return grantConsent(provider, req, res, interaction);
}

async function submitLogin(provider, options, req, res) {
  const interaction = await provider.interactionDetails(req, res);
  const form = await readForm(req);
  const username = form.get('username') ?? '';
  const user = findUser(options.users, (candidate) => candidate.username === username);
  if (!user || user.password !== form.get('password')) {
    const error = 'Invalid username or password.';
    return sendHtml(res, 200, loginPage(interaction.uid, interaction.params.client_id, { username, error }));
  }
  return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
}

async function confirm(provider, options, req, res) {
  const interaction = await provider.interactionDetails(req, res);
  if (interaction.prompt.name !== 'consent') throw new Error('no consent is pending');
  return grantConsent(provider, req, res, interaction);
}

async function abort(provider, options, req, res) {
  const result = { error: 'access_denied', error_description: 'The user cancelled the sign-in.' };
  return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

const INTERACTIONS = [
  ['GET', /^\/interaction\/[\w-]+$/, showInteraction],
  ['POST', /^\/interaction\/[\w-]+\/login$/, submitLogin],
  ['POST', /^\/interaction\/[\w-]+\/confirm$/, confirm],
  ['POST', /^\/interaction\/[\w-]+\/abort$/, abort],
];

// Interactions are ours; everything else is oidc-provider's (discovery, /auth, /token, /me, /jwks...).
function handler(provider, options) {
  const oidc = provider.callback();
  return async (req, res) => {
    const { pathname } = new URL(req.url, provider.issuer);
    res.on('finish', () => console.log(`${req.method} ${pathname} ${res.statusCode}`));
    if (!pathname.startsWith('/interaction/')) return oidc(req, res);
    const route = INTERACTIONS.find(([method, path]) => method === req.method && path.test(pathname));
    try {
      if (!route) return sendHtml(res, 404, page('Not found', '<p id="error">not_found</p>'));
      return await route[2](provider, options, req, res);
    } catch (error) {
      console.error(`${req.method} ${pathname}: ${error.stack ?? error}`);
      const name = error.error ?? 'invalid_request';
      const description = error.error_description ?? error.message;
      if (!res.headersSent) {
        sendHtml(res, 400, page('Error', `<p id="error">${escape(name)}</p>
<p id="error_description">${escape(description)}</p>`));
      }
    }
  };
}

// --- start -----------------------------------------------------------------------------------

function logProviderErrors(provider) {
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error']) {
    provider.on(event, (ctx, error) => {
      console.error(`${event}: ${error.error ?? error.name}: ${error.error_description ?? error.message}`);
    });
  }
}

function main() {
  const options = readOptions();
  const server = createServer();
  server.listen(options.port, HOST, () => {
    const issuer = `http://${HOST}:${server.address().port}`;
    const provider = new Provider(issuer, configuration(options));
    logProviderErrors(provider);
    server.on('request', handler(provider, options));
    console.log(`${READY} ${issuer}`);
  });
  // The test harness keeps our standard input open: when it closes, the tests have ended (or
  // died), and the provider must not outlive them.
  if (options['exit-with-stdin']) {
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('close', () => process.exit(0));
    process.stdin.resume();
  }
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
}

main();
