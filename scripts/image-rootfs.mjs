#!/usr/bin/env node
// The runtime image's base, made from a "donor" root filesystem that has Node installed (the
// node image of the target platform in deploy/Dockerfile): /usr/local/bin/node, the ELF
// interpreter and the shared libraries it needs (DT_NEEDED, followed transitively, found the
// way ld.so finds them), and a few /etc files. Nothing else: no shell, no package manager, no
// npm. deploy/Dockerfile runs it (so `make image`, which builds that Dockerfile, does too).
//
//   node scripts/image-rootfs.mjs DONOR OUT
//
// It only reads the donor's files, so it runs on the build machine's CPU whatever the donor's
// (an arm64 image is assembled on amd64 without emulation). 64-bit little-endian ELF only
// (amd64, arm64).
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_PATH = '/usr/local/bin/node';

/** Resolves an absolute path inside `root`, following symlinks relative to `root` (never outside it). */
export function resolveIn(root, path, depth = 0) {
  if (depth > 40) throw new Error(`too many symlinks resolving ${path}`);
  const parts = posix.normalize(path).split('/').filter(Boolean);
  let at = '/';
  for (let i = 0; i < parts.length; i++) {
    const next = posix.join(at, parts[i]);
    const stat = lstatSync(join(root, next), { throwIfNoEntry: false });
    if (stat === undefined) return undefined;
    if (stat.isSymbolicLink()) {
      const target = readlinkSync(join(root, next));
      const rest = parts.slice(i + 1).join('/');
      return resolveIn(root, posix.join(target.startsWith('/') ? target : posix.join(at, target), rest), depth + 1);
    }
    at = next;
  }
  return at;
}

/** PT_INTERP and DT_NEEDED/DT_RUNPATH of a 64-bit little-endian ELF file. */
export function readElf(buf) {
  if (buf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error('only 64-bit little-endian ELF is supported');
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  const segments = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    segments.push({
      type: buf.readUInt32LE(o),
      offset: Number(buf.readBigUInt64LE(o + 8)),
      vaddr: Number(buf.readBigUInt64LE(o + 16)),
      filesz: Number(buf.readBigUInt64LE(o + 32)),
    });
  }
  const PT_LOAD = 1;
  const PT_DYNAMIC = 2;
  const PT_INTERP = 3;
  const interpSeg = segments.find((s) => s.type === PT_INTERP);
  const interp = interpSeg ? buf.toString('latin1', interpSeg.offset, interpSeg.offset + interpSeg.filesz).replace(/\0.*$/s, '') : undefined;
  const dyn = segments.find((s) => s.type === PT_DYNAMIC);
  if (!dyn) return { interp, needed: [], runpath: [] };
  // DT_STRTAB is a virtual address: map it to a file offset through the PT_LOAD segments.
  const toOffset = (vaddr) => {
    const seg = segments.find((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
    if (!seg) throw new Error(`address 0x${vaddr.toString(16)} is in no loaded segment`);
    return vaddr - seg.vaddr + seg.offset;
  };
  const entries = [];
  for (let o = dyn.offset; o < dyn.offset + dyn.filesz; o += 16) {
    const tag = Number(buf.readBigInt64LE(o));
    if (tag === 0) break;
    entries.push({ tag, val: Number(buf.readBigUInt64LE(o + 8)) });
  }
  const DT_NEEDED = 1;
  const DT_STRTAB = 5;
  const DT_RPATH = 15;
  const DT_RUNPATH = 29;
  const strtab = toOffset(entries.find((e) => e.tag === DT_STRTAB).val);
  const str = (off) => buf.toString('latin1', strtab + off, buf.indexOf(0, strtab + off));
  return {
    interp,
    needed: entries.filter((e) => e.tag === DT_NEEDED).map((e) => str(e.val)),
    runpath: entries.filter((e) => e.tag === DT_RUNPATH || e.tag === DT_RPATH).flatMap((e) => str(e.val).split(':')),
  };
}

/** ld.so's default directories on Debian: the multiarch ones next to the interpreter, then the plain ones. */
function searchDirs(interp) {
  const triplet = /ld-linux-(x86-64|aarch64)/.exec(interp ?? '')?.[1];
  const multiarch = { 'x86-64': 'x86_64-linux-gnu', aarch64: 'aarch64-linux-gnu' }[triplet];
  if (!multiarch) throw new Error(`unknown ELF interpreter ${interp}`);
  return [`/lib/${multiarch}`, `/usr/lib/${multiarch}`, '/lib', '/usr/lib'];
}

/** Every file the dynamic loader opens to start `binary`, as absolute paths in the donor (unresolved names kept). */
export function closure(donor, binary) {
  const first = readElf(readFileSync(join(donor, resolveIn(donor, binary))));
  const dirs = searchDirs(first.interp);
  const files = new Set([binary, first.interp]);
  const queue = [...first.needed];
  const seen = new Set();
  while (queue.length > 0) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    seen.add(name);
    const found = dirs.map((d) => posix.join(d, name)).find((p) => resolveIn(donor, p) !== undefined);
    if (!found) throw new Error(`${name} (needed by ${binary}) is not in the donor's ${dirs.join(', ')}`);
    files.add(found);
    queue.push(...readElf(readFileSync(join(donor, resolveIn(donor, found)))).needed);
  }
  return [...files];
}

/**
 * The rootfs: the binary's closure at the same paths, and /etc, /tmp. Symlinks are resolved: the
 * first path to reach a file gets a copy, later paths to the same file a symlink to it.
 */
export function makeRootfs(donor, out, binary = NODE_PATH) {
  if (existsSync(out)) throw new Error(`${out} exists`);
  const copied = new Map();
  for (const file of closure(donor, binary)) {
    const source = resolveIn(donor, file);
    mkdirSync(join(out, dirname(file)), { recursive: true });
    const first = copied.get(source);
    if (first === undefined) copyFileSync(join(donor, source), join(out, file));
    else symlinkSync(posix.relative(posix.dirname(file), first), join(out, file));
    copied.set(source, first ?? file);
  }
  mkdirSync(join(out, 'etc'), { recursive: true });
  // root only: the daemon runs as root (deploy/Dockerfile) and reads nothing else from these.
  writeFileSync(join(out, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\n');
  writeFileSync(join(out, 'etc/group'), 'root:x:0:\n');
  // getaddrinfo("localhost") for --pprof-addr=localhost:10222: files first (the runtime mounts /etc/hosts), then DNS.
  writeFileSync(join(out, 'etc/nsswitch.conf'), 'hosts: files dns\n');
  mkdirSync(join(out, 'tmp'));
  chmodSync(join(out, 'tmp'), 0o1777);
  mkdirSync(join(out, 'root'));
  chmodSync(join(out, 'root'), 0o700);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [donor, out] = process.argv.slice(2);
  if (!donor || !out) {
    process.stderr.write('usage: node scripts/image-rootfs.mjs DONOR OUT\n');
    process.exit(2);
  }
  try {
    makeRootfs(donor, out);
    process.stdout.write(`image-rootfs: ${closure(donor, NODE_PATH).join(' ')}\n`);
  } catch (error) {
    process.stderr.write(`image-rootfs: ${error.message}\n`);
    process.exit(1);
  }
}
