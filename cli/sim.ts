import type { Command } from 'commander';
import { Simulator, parseQuirks } from '../sim/index.js';
import { nonNegativeInt, parseHost, parsePort, positiveInt } from './options.js';

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run the built-in TelecomX simulator on loopback')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free one)', '0')
    .option('--cases <n>', 'cases per helpcenter', '1000')
    .option('--helpcenters <n>', 'number of helpcenters', '1')
    .option('--seed <n>', 'generator seed', '1')
    .option('--token <token>', 'demand this token (403 otherwise)')
    .option(
      '--quirks <list>',
      'misbehave on purpose, e.g. shortPage=492,pageCap=250,total=jitter (shortPage, holePage, pageCap, total, oddCases, deepNest, wideCase, oddDates, stateMove, hugeBody, endlessBody, latency)',
    )
    .option('--latency <ms>', 'answer every list request this many ms late (requests answered independently)')
    .action(async (raw: Record<string, unknown>) => {
      const quirks = parseQuirks(typeof raw.quirks === 'string' ? raw.quirks : '');
      if (raw.latency !== undefined) quirks.latencyMs = nonNegativeInt(raw.latency, '--latency');
      const sim = await Simulator.start({
        quirks,
        host: parseHost(raw.host, '--host'),
        port: parsePort(raw.port, '--port'),
        cases: nonNegativeInt(raw.cases, '--cases'),
        helpcenters: positiveInt(raw.helpcenters, '--helpcenters'),
        seed: nonNegativeInt(raw.seed, '--seed'),
        ...(typeof raw.token === 'string' ? { token: raw.token } : {}),
      });
      process.stdout.write(`${JSON.stringify({ url: sim.url, helpcenters: sim.world.helpcenterIds() })}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await sim.close();
    });
}
