import type { Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import type { FaultConfig } from '../sim/server.js';
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
    .option('--faults <list>', 'random faults per list request, e.g. tooMany=0.05,error500=0.01 (tooMany, error500, reset, truncate, html, badShape; rates 0..1)')
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
        faults: parseFaultRates(typeof raw.faults === 'string' ? raw.faults : ''),
      });
      process.stdout.write(`${JSON.stringify({ url: sim.url, helpcenters: sim.world.helpcenterIds() })}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await sim.close();
    });
}

const FAULT_KINDS = ['tooMany', 'error500', 'reset', 'truncate', 'html', 'badShape'] as const;

/** `--faults tooMany=0.05,error500=0.01`: rates in [0, 1] adding up to at most 1; else a UsageError naming the bad part. */
export function parseFaultRates(spec: string): Partial<FaultConfig> {
  const out: Partial<Record<(typeof FAULT_KINDS)[number], number>> = {};
  let sum = 0;
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, v] = part.split('=', 2) as [string, string | undefined];
    const rate = Number(v);
    if (!(FAULT_KINDS as readonly string[]).includes(name)) throw new UsageError(`--faults knows ${FAULT_KINDS.join(', ')}; got "${name}"`);
    if (v === undefined || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new UsageError(`--faults ${name} needs a rate from 0 to 1, e.g. ${name}=0.05`);
    out[name as (typeof FAULT_KINDS)[number]] = rate;
    sum += rate;
  }
  if (sum > 1) throw new UsageError(`--faults rates add up to ${sum}; at most 1`);
  return out;
}
