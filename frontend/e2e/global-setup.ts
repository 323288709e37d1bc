// Starts the real server binary with `--demo` on a fresh SQLite file and a free port, for the
// end-to-end suite, and stops it afterwards. The binary is FLEETGRAPH_BIN, else the debug build
// in CARGO_TARGET_DIR (or ../target); it serves the web app it was built with.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

async function waitReady(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server at ${url} did not become ready in 60 s`);
}

export default async function setup(project: TestProject) {
  const binary =
    process.env.FLEETGRAPH_BIN ??
    join(resolve(process.env.CARGO_TARGET_DIR ?? '../target'), 'debug', 'fleetgraph');
  const dir = mkdtempSync(join(tmpdir(), 'fleetgraph-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(
    binary,
    [
      '--demo',
      '--bind',
      `127.0.0.1:${port}`,
      '--database-url',
      `sqlite://${join(dir, 'e2e.db')}?mode=rwc`,
      // The suite signs the demo operator in more than the credential throttle's 10 a minute,
      // as the Rust harness does it turns the throttle off (its own tests cover it).
      '--auth-attempts-per-email',
      '0',
      '--auth-attempts-per-address',
      '0',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } },
  );
  await waitReady(url, server);
  project.provide('baseUrl', url);
  return async () => {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
}
