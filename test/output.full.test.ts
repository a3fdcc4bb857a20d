import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers.js';

/** stdout on a full disk (break-it of issue 11): one line and exit 1, never a stack trace. */
describe('output to a full disk', () => {
  it('a command\'s output to /dev/full: one line on stderr, exit 1', () => {
    if (!existsSync('/dev/full')) {
      console.warn('skipped: this machine has no /dev/full');
      return;
    }
    const full = openSync('/dev/full', 'w');
    try {
      // export writes through the stream (no --out): its error reaches the stdout handler
      const r = spawnSync(process.execPath, [BIN, 'export', '--db', '/nonexistent/x.db'], { cwd: ROOT, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      const help = spawnSync(process.execPath, [BIN, 'cases', '--help'], { cwd: ROOT, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 1, stderr: 'hcsync: cannot write the output: no space left on the device\n' });
    } finally {
      closeSync(full);
    }
  });
});
