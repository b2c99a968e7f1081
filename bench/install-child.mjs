// One round of the process-wide scenario: N keep-alive https.get requests through the global
// agent; prints requests per second. Run with or without --import m365-tls-policy/register.
// OPEN=k first opens k more connections (another agent, kept idle in its pool) so that the
// rate shows whether the install's cost per connection grows with the sockets already open.
import * as https from 'node:https';

const lookup = (_h, o, cb) => (o?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
const n = Number(process.env.N);
const get = () =>
  new Promise((resolve, reject) => {
    https
      .get({ host: 'graph.microsoft.com', port: Number(process.env.PORT), ca: process.env.CA, lookup }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
const open = Number(process.env.OPEN ?? 0);
const idle = new https.Agent({ keepAlive: true, maxFreeSockets: open, maxSockets: open });
if (open > 0) {
  await Promise.all(
    Array.from(
      { length: open },
      () =>
        new Promise((resolve, reject) => {
          https
            .get({ host: 'graph.microsoft.com', port: Number(process.env.PORT), ca: process.env.CA, lookup, agent: idle }, (res) => {
              res.resume();
              res.on('end', resolve);
            })
            .on('error', reject);
        }),
    ),
  );
}
let next = 0;
const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next++ < n) await get();
  }),
);
process.stdout.write(String(n / (Number(process.hrtime.bigint() - start) / 1e9)));
https.globalAgent.destroy();
idle.destroy();
