// Runs graphql-http's serverAudits (the GraphQL-over-HTTP specification's
// MUST, SHOULD and MAY checks) against the URL given, and prints one JSON
// line per audit: {id, name, status, reason}.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:4000/graphql');
  process.exit(2);
}

for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  console.log(JSON.stringify({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.status === 'ok' ? undefined : result.reason,
  }));
}
