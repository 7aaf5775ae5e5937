import { createServer, type AddressInfo } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that the OS reports free now. Ports derived from the pid collided with
 * services on the machine (RabbitMQ listens on 25672).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
