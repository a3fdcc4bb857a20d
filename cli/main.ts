import { Command, CommanderError } from 'commander';
import { HcsyncError } from '../contract/errors.js';
import { safeLine, terminalSafe } from '../contract/text.js';
import { userAgentString } from '../worker/client.js';
import { registerCases } from './cases.js';
import { registerDemo } from './demo.js';
import { registerExport } from './export.js';
import { registerReport } from './report.js';
import { queueStatus, registerSchedule } from './schedule.js';
import { setColorFlag } from './output.js';
import { registerSearch } from './search.js';
import { registerServe } from './serve.js';
import { registerShow } from './show.js';
import { registerSim } from './sim.js';
import { registerStatus } from './status.js';
import { registerSync } from './sync.js';
import { registerVerify } from './verify.js';
import { registerWorker } from './worker.js';

const program = new Command('hcsync')
  .description('Keeps an offline, searchable copy of TelecomX HelpCenter cases')
  .version(userAgentString().replace('hcsync/', ''))
  .option('--no-color', 'no bold or colour on a terminal (also when NO_COLOR is set)')
  .exitOverride()
  .showSuggestionAfterError(true)
  .configureHelp({ showGlobalOptions: true })
  // help is output, wherever asked for (`hcsync | less`); errors are one line on stderr,
  // `hcsync: …` like every other error, the suggestion on the same line
  .configureOutput({
    writeErr: (s) => process.stdout.write(s),
    outputError: (s) => process.stderr.write(`hcsync: ${safeLine(s.replace(/^error: /, ''))}\n`),
  })
  .hook('preAction', (self) => setColorFlag(self.opts().color !== false));

registerSync(program);
registerCases(program);
registerShow(program);
registerServe(program);
registerStatus(program, queueStatus);
registerSim(program);
registerDemo(program);
registerVerify(program);
registerSearch(program);
registerReport(program);
registerExport(program);
registerWorker(program);
registerSchedule(program);

// `hcsync … | head`: a closed pipe ends the output, not the process with a stack trace
// (a full disk or any other write error: one line and exit 1, not a stack trace; the worker has its own handler)
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  process.stderr.write(`hcsync: cannot write the output: ${e.code === 'ENOSPC' ? 'no space left on the device' : (e.code ?? e.message)}\n`);
  process.exit(1);
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
      // messages can carry remote text (an error body's excerpt): one line, nothing a terminal would act on
      process.stderr.write(`hcsync: ${safeLine(e.message)}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`hcsync: unexpected error: ${terminalSafe(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
    process.exitCode = 1;
  }
}

await main();
