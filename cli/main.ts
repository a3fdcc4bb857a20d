import { Command, CommanderError } from 'commander';
import { HcsyncError } from '../contract/errors.js';
import { userAgentString } from '../worker/client.js';
import { registerCases } from './cases.js';
import { registerDemo } from './demo.js';
import { registerReport } from './report.js';
import { queueStatus, registerSchedule } from './schedule.js';
import { registerSearch } from './search.js';
import { registerServe } from './serve.js';
import { registerSim } from './sim.js';
import { registerStatus } from './status.js';
import { registerSync } from './sync.js';
import { registerVerify } from './verify.js';
import { registerWorker } from './worker.js';

const program = new Command('hcsync')
  .description('Keeps an offline, searchable copy of TelecomX HelpCenter cases')
  .version(userAgentString().replace('hcsync/', ''))
  .exitOverride()
  .showSuggestionAfterError(true);

registerSync(program);
registerCases(program);
registerServe(program);
registerStatus(program, queueStatus);
registerSim(program);
registerDemo(program);
registerVerify(program);
registerSearch(program);
registerReport(program);
registerWorker(program);
registerSchedule(program);

// `hcsync … | head`: a closed pipe ends the output, not the process with a stack trace
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

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
