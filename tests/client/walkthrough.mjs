// The README's "Building a client" section, followed step by step against a server started
// from a clean data directory with `serve --demo`, the way a single-page app would: `fetch` for
// queries and mutations, the graphql-ws client for live data. Prints one JSON line with what
// each step saw; the Rust test that runs it checks the line.
// Usage: node walkthrough.mjs http://127.0.0.1:PORT
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [, , httpUrl] = process.argv;
const seen = {};

const deadline = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms));

// One GraphQL request over HTTP. Like most clients, it attaches the stored access token to
// every request when there is one.
async function graphql(query, variables = {}, token = null) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json',
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await Promise.race([
    fetch(`${httpUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) }),
    deadline(10000, query),
  ]);
  return { status: response.status, body: await response.json() };
}

const SIGN_IN = `mutation SignIn($email: String!, $password: String!) {
  signIn(input: { email: $email, password: $password }) { accessToken refreshToken expiresAt }
}`;
const REFRESH = `mutation Refresh($token: String!) {
  refreshSession(input: { refreshToken: $token }) { accessToken refreshToken expiresAt }
}`;

// 1. Sign in (no token yet).
const signedIn = await graphql(SIGN_IN, { email: 'resident1@demo.test', password: 'demo-password' });
const session = signedIn.body.data.signIn;
seen.signIn = { status: signedIn.status, expiresAt: session.expiresAt };

// 2. Two tabs share the stored refresh token and refresh at the same moment: both stay signed
//    in, each with its own successor.
const [tabA, tabB] = await Promise.all([
  graphql(REFRESH, { token: session.refreshToken }, session.accessToken),
  graphql(REFRESH, { token: session.refreshToken }, session.accessToken),
]);
seen.twoTabs = {
  statuses: [tabA.status, tabB.status],
  distinct: tabA.body.data.refreshSession.refreshToken !== tabB.body.data.refreshSession.refreshToken,
};
let access = tabA.body.data.refreshSession.accessToken;
let refresh = tabA.body.data.refreshSession.refreshToken;

// 3. A stale token in the header does not stop a refresh.
const stale = await graphql(REFRESH, { token: refresh }, 'expired-or-garbage');
seen.staleHeaderRefresh = { status: stale.status, ok: Boolean(stale.body.data?.refreshSession) };
access = stale.body.data.refreshSession.accessToken;
refresh = stale.body.data.refreshSession.refreshToken;

// 4. The home screen in one round trip.
const home = await graphql(`{
  viewer { displayName residencies { relation unit { number building { id name } } } }
  notices(first: 5) { totalCount edges { node { id title pinned requiresAck } } }
  unreadNotificationCount
  notifications(first: 5) { edges { cursor node { title text readAt } } }
}`, {}, access);
seen.home = {
  status: home.status,
  errors: home.body.errors ?? null,
  residencies: home.body.data?.viewer?.residencies ?? null,
  notices: home.body.data?.notices?.totalCount ?? null,
  unread: home.body.data?.unreadNotificationCount ?? null,
};
const buildingId = home.body.data.viewer.residencies[0].unit.building.id;

// 5. Errors by code: a malformed id and an unknown one.
const malformed = await graphql('{ notice(id: "nope") { id } }', {}, access);
const unknown = await graphql('{ notice(id: "00000000-0000-7000-8000-000000000000") { id } }', {}, access);
seen.errors = {
  malformed: malformed.body.errors[0].extensions,
  unknown: unknown.body.errors[0].extensions.code,
};

// 6. The live inbox with reconnect. A manager (here the demo administrator) publishes to the
//    resident's building; the inbox subscription delivers it; the socket goes away; another
//    notice is published meanwhile; resubscribing with the last cursor replays it first.
const admin = (await graphql(SIGN_IN, { email: 'admin@demo.test', password: 'demo-password' })).body.data.signIn;
const publish = (title) =>
  graphql(`mutation Publish($input: PublishNoticeInput!) { publishNotice(input: $input) { notice { id } } }`, {
    input: { title, body: `${title}: the lift in your building is serviced on *Monday*.`, kind: 'MAINTENANCE', audience: { buildingIds: [buildingId] } },
  }, admin.accessToken);

function inbox(token, after) {
  const client = createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
  });
  const events = [];
  let wake = () => {};
  const dispose = client.subscribe(
    { query: `subscription Inbox($after: String) { notificationReceived(after: $after) { cursor notification { title text } } }`, variables: { after } },
    { next: (r) => { events.push(r); wake(); }, error: (e) => { events.push({ error: e }); wake(); }, complete: () => {} },
  );
  const next = () => Promise.race([
    new Promise((resolve) => {
      const take = () => (events.length ? resolve(events.shift()) : (wake = take));
      take();
    }),
    deadline(10000, 'an inbox event'),
  ]);
  return { next, close: async () => { dispose(); await client.dispose(); } };
}

// Starting from the newest notification the home screen showed, nothing published in between
// can be missed: the subscription replays whatever came after that cursor, then goes live. An
// empty inbox starts from the beginning of the feed (the nil UUID), never live-only, which
// could miss what is published before the subscription is set up.
const newest = home.body.data.notifications.edges[0]?.cursor
  ?? '00000000-0000-0000-0000-000000000000';
const first = inbox(access, newest);
await publish('Lift service');
const live = await first.next();
await first.close();
const missed = await publish('Lift service, while you were away');
const second = inbox(access, live.data.notificationReceived.cursor);
const replayed = await second.next();
await second.close();
seen.inbox = {
  live: live.data.notificationReceived.notification,
  replayed: replayed.data?.notificationReceived?.notification ?? replayed,
  published: missed.status,
};

// 7. Sign out, with whatever header: the refresh token stops working.
await graphql('mutation Out($token: String!) { signOut(input: { refreshToken: $token }) { signedOut } }', { token: refresh }, access);
const after = await graphql(REFRESH, { token: refresh });
seen.signOut = after.body.errors[0].extensions.code;

console.log(JSON.stringify(seen));
