// A TCP proxy in front of the server whose connections a test can cut: every open connection
// is reset and new ones are refused until it is restored, as when a network drops.
import { connect, createServer, type Socket } from 'node:net';

export interface CuttableProxy {
  url: string;
  cut: () => void;
  restore: () => void;
  close: () => Promise<void>;
}

export async function cuttableProxy(target: string): Promise<CuttableProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let cutting = false;
  const track = (socket: Socket, peer: () => Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => peer().destroy());
  };
  const server = createServer((client) => {
    if (cutting) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    track(client, () => upstream);
    track(upstream, () => client);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${listening}`,
    cut: () => {
      cutting = true;
      for (const socket of open) socket.destroy();
    },
    restore: () => {
      cutting = false;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
