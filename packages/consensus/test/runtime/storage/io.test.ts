import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CountingIo,
  mkdirDurableSync,
  nodeIo,
  type StorageIo,
  writevFully,
} from '../../../src/runtime/storage/io.js';
import { TempDirs } from './helpers.js';

const temp = new TempDirs();
afterEach(() => temp.cleanup());

describe('storage io helpers', () => {
  it('mkdirDurableSync creates missing parents and reports exactly those', () => {
    const root = temp.make();
    const deep = path.join(root, 'a', 'b', 'c');
    expect(mkdirDurableSync(deep)).toEqual([path.join(root, 'a'), path.join(root, 'a', 'b'), deep]);
    expect(fs.statSync(deep).isDirectory()).toBe(true);
    expect(mkdirDurableSync(deep)).toEqual([]);
  });

  it('writevFully completes short writes', async () => {
    const file = path.join(temp.make(), 'f');
    // At most 3 bytes per call, like a disk that keeps returning short writes.
    const stingy: StorageIo = {
      ...nodeIo,
      writev: (fd, buffers, position) =>
        nodeIo.writev(fd, [Buffer.concat(buffers as Buffer[]).subarray(0, 3)], position),
    };
    const io = new CountingIo(stingy);
    const fd = await io.open(file, 'w');
    await writevFully(io, fd, [Buffer.from('hello '), Buffer.from('world')], 0);
    await io.close(fd);
    expect(fs.readFileSync(file, 'utf8')).toBe('hello world');
    expect(io.counts.writev).toBe(4);
  });
});
