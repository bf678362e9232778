// The oldest Node each release line can run FrameForge on, worked out from the
// `engines.node` of every installed dependency (transitive too), with npm's own
// semver rules. package.json's engines must allow exactly these versions
// (tests/package/node-floor.test.ts checks it). Run: node scripts/node-floor.mjs [--dev]
// --dev includes the development dependencies (what `npm test` needs on that Node).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const ROOT = path.resolve(import.meta.dirname, '..');
/** Release lines looked at: from long out of support to a few not released yet. */
const MAJORS = Array.from({ length: 15 }, (_, i) => 18 + i);

/** The installed packages (not just the direct ones) and their engines.node, skipping optional ones not installed here. */
export function dependencyEngines({ dev = false } = {}) {
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const found = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (!where.startsWith('node_modules/') || (entry.dev && !dev)) continue;
    const manifest = path.join(ROOT, where, 'package.json');
    if (!existsSync(manifest)) continue;
    const range = JSON.parse(readFileSync(manifest, 'utf8')).engines?.node;
    if (typeof range === 'string' && semver.validRange(range)) found.push({ name: where.slice('node_modules/'.length), range });
  }
  return found;
}

/** Every version named in a range: the only places where "the lowest allowed" can start. */
function boundaries(range) {
  return new semver.Range(range).set.flat().map((c) => c.semver.version).filter((v) => typeof v === 'string' && v !== '0.0.0');
}

/** For each release line, the lowest version that satisfies every range, or null when none does. */
export function floorsByMajor(ranges) {
  const candidates = [...new Set([...ranges.flatMap(boundaries), ...MAJORS.map((m) => `${m}.0.0`)])].sort(semver.compare);
  const floors = {};
  for (const major of MAJORS) {
    const lowest = candidates.find((v) => semver.major(v) === major && ranges.every((r) => semver.satisfies(v, r)));
    floors[major] = lowest ?? null;
  }
  return floors;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = dependencyEngines({ dev: process.argv.includes('--dev') });
  const floors = floorsByMajor(found.map((e) => e.range));
  const floor = Object.values(floors).find(Boolean);
  // The packages that set a line's floor (above its x.0.0), so a raised floor can be traced to its cause.
  const raised = Object.values(floors).filter((v) => v && !v.endsWith('.0.0'));
  const limiting = found.filter((e) => boundaries(e.range).some((v) => raised.includes(v)));
  const engines = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node;
  const report = { floor, floors, engines, enginesFloors: floorsByMajor([engines]), limiting: limiting.map((e) => `${e.name} ${e.range}`) };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
