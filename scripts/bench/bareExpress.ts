import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';

/**
 * The baseline for bench:card: a bare Express 5 route answering a fixed JSON body (a real card
 * answer read from the file named in BODY_FILE), serialised on every request like the real one.
 */
const body = JSON.parse(fs.readFileSync(process.env.BODY_FILE!, 'utf8')) as unknown;
const app = express();
app.get('/hubspot/card', (_req, res) => {
  res.json(body);
});
const server = app.listen(0, () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
