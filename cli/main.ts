import { Command, CommanderError } from 'commander';
import { HcsyncError } from '../contract/errors.js';
import { userAgentString } from '../worker/client.js';
import { registerCases } from './cases.js';
import { registerDemo } from './demo.js';
import { registerSearch } from './search.js';
import { registerServe } from './serve.js';
import { registerSim } from './sim.js';
import { registerStatus } from './status.js';
import { registerSync } from './sync.js';
import { registerVerify } from './verify.js';

const program = new Command('hcsync')
  .description('Keeps an offline, searchable copy of TelecomX HelpCenter cases')
  .version(userAgentString().replace('hcsync/', ''))
  .exitOverride()
  .showSuggestionAfterError(true);

registerSync(program);
registerCases(program);
registerServe(program);
registerStatus(program);
registerSim(program);
registerDemo(program);
registerVerify(program);
registerSearch(program);
for (const [name, what] of [
  ['report', 'helpdesk analytics (not built yet)'],
  ['worker', 'BullMQ worker (not built yet)'],
  ['schedule', 'per-helpcenter schedules (not built yet)'],
] as const) {
  program
    .command(name)
    .description(what)
    .allowUnknownOption()
    .action(() => {
      throw new HcsyncError('E_NOT_BUILT', `${name} is not built yet`, { exitCode: 1 });
    });
}

/** The one place errors become exit codes: expected conditions print one line, never a stack. */
async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message; help and version are not errors
      process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
      return;
    }
    if (e instanceof HcsyncError) {
      process.stderr.write(`hcsync: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`hcsync: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  }
}

await main();
