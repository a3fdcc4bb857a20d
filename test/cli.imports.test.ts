import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const CLI = path.join(ROOT, 'cli');

/** The cli/ files that define a command: they export a `register…` function. main.ts assembles them and is none. */
function commandFiles(): Set<string> {
  return new Set(
    readdirSync(CLI).filter((f) => f.endsWith('.ts') && f !== 'main.ts' && /^export function register\w+\(/m.test(readFileSync(path.join(CLI, f), 'utf8'))),
  );
}

describe('cli/: commands stay thin and independent (docs/decisions.md#commands-are-thin)', () => {
  it('no command file imports another command file; shared helpers live in non-command modules', () => {
    const commands = commandFiles();
    expect(commands.has('sync.ts') && commands.has('worker.ts')).toBe(true);
    const offending: string[] = [];
    for (const file of readdirSync(CLI).filter((f) => f.endsWith('.ts') && f !== 'main.ts')) {
      for (const m of readFileSync(path.join(CLI, file), 'utf8').matchAll(/from '\.\/([\w-]+)\.js'/g)) {
        if (commands.has(`${m[1]}.ts`)) offending.push(`${file} imports ${m[1]}.ts`);
      }
    }
    expect(offending).toEqual([]);
  });
});
