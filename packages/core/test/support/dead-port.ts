import { createServer, type AddressInfo } from 'node:net';

/** A port nothing listens on: bound on 127.0.0.1, then closed (connections to it are refused). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
