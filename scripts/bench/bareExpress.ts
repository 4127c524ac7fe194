import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';

/**
 * The baseline for bench:card: a bare Express 5 app answering the same bytes the service would,
 * as a fixed string (a real answer read from the file named in BODY_FILE, never re-serialised),
 * on the paths the benchmark loads.
 */
const text = fs.readFileSync(process.env.BODY_FILE!, 'utf8');
const app = express();
app.get(['/hubspot/card', '/hubspot/app-card/invoices'], (_req, res) => {
  res.type('application/json').send(text);
});
const server = app.listen(0, () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
