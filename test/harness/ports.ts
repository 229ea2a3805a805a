import net from 'node:net';

/**
 * Ports nothing listens on now, chosen by the kernel and all different: each is held open until
 * every one is chosen. A fixed port would collide with a second test run on the same machine.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** A port nothing listens on now (a receiver that is down, a service of a test's own). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/** A base port with `count` free ports from it on, for a Kafka of a test's own (its listeners take runs of ports). */
export async function freePortRun(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 100; attempt++) {
    // Below Linux's ephemeral range (32768+), where outgoing connections take their local ports.
    const base = 20_000 + 2 * Math.floor(Math.random() * 6_000);
    let all = true;
    for (let port = base; port < base + count && all; port++) all = await free(port);
    if (all) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
