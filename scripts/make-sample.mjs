// Renders the bundled sample photo, an empty room, from SVG with sharp, so the
// repo ships no binary of unknown origin. Run: npm run sample
import sharp from 'sharp';

const W = 1600;
const H = 1067;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
  <defs>
    <linearGradient id="wall" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#efe9df"/><stop offset="1" stop-color="#d9d1c4"/></linearGradient>
    <linearGradient id="side" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#cfc6b8"/><stop offset="1" stop-color="#e4ddd1"/></linearGradient>
    <linearGradient id="floor" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#b98d5f"/><stop offset="1" stop-color="#8a623d"/></linearGradient>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#9cc7ee"/><stop offset="1" stop-color="#e3f0fb"/></linearGradient>
    <radialGradient id="light" cx="0.5" cy="0.9" r="0.6"><stop offset="0" stop-color="#fff7e0" stop-opacity="0.55"/><stop offset="1" stop-color="#fff7e0" stop-opacity="0"/></radialGradient>
  </defs>
  <rect width="${W}" height="${H}" fill="url(#wall)"/>
  <polygon points="0,0 300,120 300,760 0,${H}" fill="url(#side)"/>
  <polygon points="${W},0 ${W - 300},120 ${W - 300},760 ${W},${H}" fill="url(#side)"/>
  <polygon points="0,0 ${W},0 ${W - 300},120 300,120" fill="#f6f3ee"/>
  <polygon points="300,760 ${W - 300},760 ${W},${H} 0,${H}" fill="url(#floor)"/>
  ${Array.from({ length: 14 }, (_, i) => {
    const x0 = 300 + ((W - 600) / 14) * i;
    const x1 = (W / 14) * i;
    return `<line x1="${x0}" y1="760" x2="${x1}" y2="${H}" stroke="#7a5535" stroke-opacity="0.35" stroke-width="2"/>`;
  }).join('')}
  <rect x="300" y="752" width="${W - 600}" height="10" fill="#ffffff"/>
  <rect x="640" y="230" width="320" height="400" fill="url(#sky)" stroke="#ffffff" stroke-width="16"/>
  <line x1="800" y1="230" x2="800" y2="630" stroke="#ffffff" stroke-width="10"/>
  <line x1="640" y1="430" x2="960" y2="430" stroke="#ffffff" stroke-width="10"/>
  <polygon points="640,630 960,630 1120,${H} 480,${H}" fill="url(#light)"/>
  <rect x="1180" y="420" width="22" height="34" rx="3" fill="#ffffff" stroke="#c9c0b2"/>
  <circle cx="800" cy="150" r="26" fill="#fdfbf6" stroke="#d8d0c2" stroke-width="3"/>
</svg>`;

await sharp(Buffer.from(svg))
  .jpeg({ quality: 82, mozjpeg: true })
  .toFile(new URL('../assets/sample-room.jpg', import.meta.url).pathname);
const meta = await sharp(new URL('../assets/sample-room.jpg', import.meta.url).pathname).metadata();
console.log(`assets/sample-room.jpg: ${meta.width}x${meta.height}, ${meta.size ?? ''}`);
