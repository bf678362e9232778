// Whether this Node can run FrameForge, by package.json's engines. It runs
// before anything else on whatever Node the user has, so it sticks to syntax
// that Node 18 and 20 parse, and knows just the forms engines uses here
// ("^22.22.2 || ^24.15.0 || >=26").

function parts(version) {
  const numbers = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  while (numbers.length < 3) numbers.push(0);
  return numbers.slice(0, 3);
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Undefined when `current` satisfies `engines`; else the lowest allowed
 * version above it (what to upgrade to). A form it does not know allows.
 */
export function nodeNeeded(engines, current) {
  const now = parts(current);
  let next;
  for (const alternative of engines.split('||')) {
    const match = /^\s*(\^|>=)\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(alternative);
    if (!match) return undefined;
    const min = parts(match[2]);
    if (compare(now, min) >= 0 && (match[1] === '>=' || now[0] === min[0])) return undefined;
    if (compare(min, now) > 0 && (next === undefined || compare(min, next) < 0)) next = min;
  }
  return next === undefined ? undefined : next.join('.');
}
