// Drives a Resident Hub server with the real graphql-ws client and its default options (Node 20
// has no global WebSocket, so `ws` provides it). Prints one JSON line with what it saw.
// Usage: node check.mjs http://127.0.0.1:PORT <access token>
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [, , httpUrl, token] = process.argv;
const client = createClient({
  url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
});

const deadline = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms));

// A query over the socket: one `next`, then `complete`.
const info = await Promise.race([
  new Promise((resolve, reject) => {
    let result;
    client.subscribe(
      { query: '{ serverInfo { database eventBus } }' },
      { next: (r) => (result = r), error: reject, complete: () => resolve(result) },
    );
  }),
  deadline(10000, 'query'),
]);

// A subscription: send pings over HTTP until one arrives.
const received = new Promise((resolve, reject) => {
  const dispose = client.subscribe(
    { query: 'subscription { pings { cursor ping { message } } }' },
    { next: (r) => { dispose(); resolve(r); }, error: reject, complete: () => {} },
  );
});
const sender = setInterval(() => {
  fetch(`${httpUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'mutation { ping(input: { message: "from graphql-ws" }) { ping { id } } }' }),
  }).catch(() => {});
}, 200);
const ping = await Promise.race([received, deadline(10000, 'subscription')]).finally(() => clearInterval(sender));

// An invalid operation: the client's error sink gets the GraphQL errors.
const error = await Promise.race([
  new Promise((resolve) => {
    client.subscribe({ query: 'subscription { nope }' }, { next: () => {}, error: resolve, complete: () => {} });
  }),
  deadline(10000, 'error'),
]);

await client.dispose();
console.log(JSON.stringify({ info, ping, error }));
