// Files the CLI writes: checked before a long run starts (so a typo in a path does not cost the run), and
// written atomically where a crash must not leave half a file (a temporary file, fsync, then rename).
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fail, ok, type Result } from '../lensError';

const reason = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such folder';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  return (e as Error).message;
};

/** Whether `path` can be written by `option` (e.g. "--html"): its folder exists and is writable, it is no folder. */
export function checkOutputFile(path: string, option: string): Result<void> {
  const abs = resolve(path);
  const dir = dirname(abs);
  const hint = `Pass ${option} a file path in an existing, writable folder.`;
  if (existsSync(abs) && statSync(abs).isDirectory())
    return fail('bad-argument', `${option} ${path}: is a folder`, hint);
  if (!existsSync(dir)) return fail('bad-argument', `${option} ${path}: the folder ${dir} does not exist`, hint);
  if (!statSync(dir).isDirectory()) return fail('bad-argument', `${option} ${path}: ${dir} is not a folder`, hint);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    return fail('bad-argument', `${option} ${path}: cannot write in ${dir} (${reason(e)})`, hint);
  }
  return ok(undefined);
}

export function writeOutputFile(path: string, text: string, option: string): Result<void> {
  try {
    writeFileSync(path, text);
    return ok(undefined);
  } catch (e) {
    return fail(
      'bad-argument',
      `${option} ${path}: cannot write (${reason(e)})`,
      `Pass ${option} a file path in an existing, writable folder.`,
    );
  }
}

/**
 * Creates the folder if needed and proves it writable by writing (root ignores permission bits; a read-only mount does
 * not).
 */
export function prepareOutputDir(dir: string, option: string): Result<void> {
  const hint = `Pass ${option} a folder you can write to (it is created if missing).`;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    return fail(
      'bad-argument',
      `${option} ${dir}: cannot create the folder (` +
        `${(e as NodeJS.ErrnoException).code === 'EEXIST' ? 'a file of that name exists' : reason(e)})`,
      hint,
    );
  }
  if (!statSync(dir).isDirectory()) return fail('bad-argument', `${option} ${dir}: is a file, not a folder`, hint);
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    return fail('bad-argument', `${option} ${dir}: cannot write in the folder (${reason(e)})`, hint);
  }
  return ok(undefined);
}

/** Suffix of temporary files: `<name>.tmp-<random hex>` (unique across the machines sharing a folder). */
export const TEMP_SUFFIX = /\.tmp-[0-9a-f]+$/;

/** Writes `text` to a temporary file beside `path`, flushes it to disk, then renames it over `path`. */
export function writeFileAtomic(path: string, text: string): void {
  const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const fd = openSync(temp, 'w');
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
