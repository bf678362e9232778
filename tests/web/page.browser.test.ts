/**
 * The web page in a real browser: Debian's Chromium driven by playwright-core
 * against a real `frameforge serve` (mock provider, MOCK_DELAY_MS). One
 * browser for the file, one context, pages reused. Every request that is not
 * to 127.0.0.1 is recorded and refused; every console error is recorded; the
 * last test asserts there were none beyond the ones an error path must cause.
 * Screenshots at 375 px and 1280 px go to test-artifacts/ (gitignored).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeminiServer } from '../fakes/gemini-server.js';
import { startServeProcess, type ServeProcess } from './serve-process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '../..');
const SAMPLE = path.join(ROOT, 'assets/sample-room.jpg');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
/** Waits on the page are bounded generously: the machine may be shared and slow; nothing here measures time. */
const POLL = { timeout: 20_000 };

interface ConsoleError {
  text: string;
  url: string;
}

describe('the web page in Chromium', () => {
  let fast: ServeProcess;
  let slow: ServeProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const offHost: string[] = [];
  const consoleErrors: ConsoleError[] = [];
  /** Errors a test provoked on purpose (a 401 is logged by Chromium as a failed resource). */
  const expectedErrors: RegExp[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does.`);
    await mkdir(ARTIFACTS, { recursive: true });
    // No provider key anywhere: google and fal are listed as needing one, the mock is ready.
    // A key typed in the page reaches a provider address on this machine where nothing listens.
    const offline = { GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:9', FAL_PROXY_URL: 'http://127.0.0.1:9', MAX_RETRIES: '0' };
    [fast, slow] = await Promise.all([
      startServeProcess({ ...offline, MOCK_DELAY_MS: '300' }),
      startServeProcess({ ...offline, MOCK_DELAY_MS: '600000', DEFAULT_PROVIDER: 'mock' }),
    ]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      offHost.push(url.href);
      return route.abort('blockedbyclient');
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push({ text: message.text(), url: message.location().url });
    });
    page.on('pageerror', (error) => consoleErrors.push({ text: `pageerror: ${error.message}`, url: '' }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([fast?.stop(), slow?.stop()]);
  });

  async function open(server: ServeProcess): Promise<void> {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
  }

  async function downloadBytes(): Promise<{ name: string; data: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    return { name: download.suggestedFilename(), data: await readFile((await download.path())!) };
  }

  /** Presses Tab until `selector` has the focus; fails if the keyboard cannot reach it. */
  async function tabTo(selector: string): Promise<void> {
    for (let i = 0; i < 80; i++) {
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`${selector} was not reached with Tab`);
  }

  it('loads with the default prompt, preset chips and providers, ready ones first', async () => {
    await open(fast);
    expect(await page.inputValue('#prompt')).toMatch(/^Stage this room with minimalist modern furniture/);
    expect(await page.locator('#room-chips .chip').count()).toBeGreaterThanOrEqual(8);
    expect(await page.locator('#style-chips .chip').count()).toBeGreaterThanOrEqual(10);
    const groups = await page.$$eval('#provider optgroup', (gs) =>
      gs.map((g) => ({ label: (g as HTMLOptGroupElement).label, options: [...g.querySelectorAll('option')].map((o) => o.textContent) })),
    );
    expect(groups[0]).toEqual({ label: 'Ready on this server', options: ['mock'] });
    expect(groups[1]!.options).toContain('google (needs a key)');
    // The server's default (google) has no key here, so the page starts on one that can answer.
    expect(await page.inputValue('#provider')).toBe('mock');
  });

  it('stages the sample photo with a preset: mock badge, slider by keyboard, a JPEG download', async () => {
    await page.setInputFiles('#photo-input', SAMPLE);
    await expect.poll(() => page.isVisible('#preview-img'), POLL).toBe(true);
    await page.click('#room-chips .chip[data-preset="bedroom"]');
    await page.click('#style-chips .chip[data-preset="scandinavian"]');
    expect(await page.inputValue('#prompt')).toMatch(/bedroom.*Scandinavian/is);

    // This server has the jobs API, so the page submits a job and polls it.
    const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/api/jobs') && r.method() === 'POST'), page.click('#submit')]);
    const body = request.postDataBuffer()!.toString('latin1');
    expect(body).toMatch(/name="provider"\r\n\r\nmock\r\n/);
    expect(body).toMatch(/name="images"; filename="sample-room.jpg"/);
    // With the server's presets the fields go as such, so its own template builds the prompt.
    expect(body).toMatch(/name="room"\r\n\r\nbedroom\r\n/);
    expect(body).toMatch(/name="style"\r\n\r\nscandinavian\r\n/);

    await page.waitForSelector('#result:not([hidden])');
    expect(await page.textContent('#status')).toMatch(/^Done in \d+\.\d s\.$/);
    expect(await page.isVisible('#mock-badge')).toBe(true);
    expect(await page.textContent('#mock-badge')).toMatch(/Mock result/);
    expect(await page.getAttribute('#after-img', 'alt')).toBe('After: sample-room.jpg staged');
    expect(await page.getAttribute('#before-img', 'alt')).toBe('Before: sample-room.jpg as uploaded');

    await page.focus('#compare-slider');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    expect(await page.inputValue('#compare-slider')).toBe('45');
    expect(await page.$eval('#compare', (el) => (el as HTMLElement).style.getPropertyValue('--pos'))).toBe('45%');
    await page.keyboard.press('End');
    expect(await page.getAttribute('#compare-slider', 'aria-valuetext')).toBe('100% original');

    const file = await downloadBytes();
    expect(file.name).toBe('sample-room.staged.jpg');
    expect([...file.data.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const meta = await sharp(file.data).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([1600, 1067]);
    expect(await page.locator('#history li').count()).toBe(1);
  });

  it('keeps this session\'s results as thumbnails to go back to', async () => {
    await page.click('#room-chips .chip[data-preset="kitchen"]');
    await page.click('#submit');
    await expect.poll(() => page.locator('#history li').count(), POLL).toBe(2);
    const thumbs = page.locator('#history .thumb');
    expect(await thumbs.nth(1).getAttribute('aria-current')).toBe('true');
    await thumbs.nth(0).click();
    expect(await thumbs.nth(0).getAttribute('aria-current')).toBe('true');
    expect(await page.getAttribute('#download', 'download')).toBe('sample-room.staged.jpg');
  });

  it('shows the server\'s detail when a provider has no key, and opens the key field', async () => {
    await page.selectOption('#provider', 'google');
    expect(await page.isVisible('#provider-key')).toBe(true);
    expectedErrors.push(/status of 401/);
    await page.click('#submit');
    await page.waitForSelector('#error:not([hidden])');
    const text = await page.textContent('#error');
    expect(text).toContain('No API key for provider google.');
    expect(text).toContain('X-Google-API-Key');
    expect(text).not.toContain('[object Object]');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('provider-key');
    await page.locator('.controls').screenshot({ path: path.join(ARTIFACTS, 'page-error-1280.png') });
  });

  it('sends a key typed in the page in the key header, and keeps it in sessionStorage only', async () => {
    await page.fill('#provider-key', 'page-typed-gemini-key');
    const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/api/jobs')), page.click('#submit')]);
    expect(request.headers()['x-google-api-key']).toBe('page-typed-gemini-key');
    // The job tries Gemini with it (nothing listens there) and fails; the page shows the job's error.
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).not.toContain('[object Object]');
    const stored = await page.evaluate(() => ({ session: sessionStorage.getItem('frameforge.key.google'), local: localStorage.length }));
    expect(stored).toEqual({ session: 'page-typed-gemini-key', local: 0 });
    await page.evaluate(() => sessionStorage.clear());
  });

  it('cancels a slow job: Cancel deletes it and the server reports it cancelled', async () => {
    await open(slow);
    await page.setInputFiles('#photo-input', SAMPLE);
    const [submitted] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/jobs') && r.request().method() === 'POST'), page.click('#submit')]);
    const job = (await submitted.json()) as { id: string };
    await page.waitForSelector('#cancel:not([hidden])');
    // Status and elapsed time while it runs.
    await expect.poll(() => page.textContent('#status'), POLL).toMatch(/^(Queued|Editing)… \d+\.\d s$/);
    const [deleted] = await Promise.all([page.waitForRequest((r) => r.method() === 'DELETE'), page.click('#cancel')]);
    expect(new URL(deleted.url()).pathname).toBe(`/api/jobs/${job.id}`);
    await expect.poll(() => page.textContent('#status'), POLL).toBe('Cancelled.');
    expect(await page.isHidden('#cancel')).toBe(true);
    expect(await page.isEnabled('#submit')).toBe(true);
    await expect.poll(async () => ((await (await fetch(`${slow.url}/api/jobs/${job.id}`)).json()) as { status: string }).status, POLL).toBe('cancelled');
  });

  /** A server without the jobs API (an older one), by taking the jobs paths out of its OpenAPI document. */
  async function withoutJobsApi(server: ServeProcess, run: () => Promise<void>): Promise<void> {
    const url = `${server.url}/api/openapi.json`;
    await page.route(url, async (route) => {
      const response = await route.fetch();
      const doc = (await response.json()) as { paths: Record<string, unknown> };
      for (const p of Object.keys(doc.paths)) if (p.startsWith('/api/jobs')) delete doc.paths[p];
      await route.fulfill({ response, json: doc });
    });
    try {
      await run();
    } finally {
      await page.unroute(url);
    }
  }

  it('without a jobs API, posts to /api/edit and shows the result', async () => {
    await withoutJobsApi(fast, async () => {
      await open(fast);
      await page.setInputFiles('#photo-input', SAMPLE);
      const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/edit')), page.click('#submit')]);
      expect(response.status()).toBe(200);
      await page.waitForSelector('#result:not([hidden])');
      expect(await page.isVisible('#mock-badge')).toBe(true);
    });
  });

  it('without a jobs API, Cancel aborts the edit request and the server sees it end', async () => {
    await withoutJobsApi(slow, async () => {
      await open(slow);
      await page.setInputFiles('#photo-input', SAMPLE);
      await Promise.all([page.waitForRequest((r) => r.url().endsWith('/api/edit')), page.click('#submit')]);
      await page.waitForSelector('#cancel:not([hidden])');
      await expect.poll(() => page.textContent('#status'), POLL).toMatch(/editing… \d+\.\d s/i);
      await page.click('#cancel');
      await expect.poll(() => page.textContent('#status'), POLL).toBe('Cancelled.');
      // The access log line of the cut request: 499, the client left (the provider call was aborted).
      await expect.poll(() => /"path":"\/api\/edit"[^\n]*"status":499/.test(slow.stderr()), POLL).toBe(true);
    });
  });

  it('takes a dropped photo, shows a large one downscaled for display only, and offers the sample', async () => {
    await open(fast);
    const big = await sharp({ create: { width: 3200, height: 2400, channels: 3, background: '#7799bb' } }).jpeg().toBuffer();
    await page.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'big-room.jpeg', { type: 'image/jpeg' }));
      document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, big.toString('base64'));
    await expect.poll(() => page.textContent('#preview-caption'), POLL).toMatch(/^big-room\.jpeg · 3200 × 2400 px/);
    await expect.poll(() => page.$eval('#preview-img', (img) => (img as HTMLImageElement).naturalWidth), POLL).toBe(1600);
    // What is sent is the file itself, not the preview.
    const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/api/jobs')), page.click('#submit')]);
    expect(request.postDataBuffer()!.includes(big)).toBe(true);
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.getAttribute('#download', 'download')).toBe('big-room.staged.jpg');

    await page.click('#sample');
    await expect.poll(() => page.textContent('#preview-caption'), POLL).toMatch(/^sample-room\.jpg · 1600 × 1067 px/);
  });

  // Dozens of Tab presses, each followed by a look at the focus: under a full parallel suite on two
  // cores that alone took past the default 30 s once (CI of 3686abc), so it gets the page tests' longer budget.
  it('runs the whole flow from the keyboard alone', { timeout: 120_000 }, async () => {
    await open(fast);
    await tabTo('#photo-input');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    await chooser.setFiles(SAMPLE);
    await page.waitForSelector('#preview:not([hidden])');
    await tabTo('#room-chips .chip[data-preset="living-room"]');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('#room-chips .chip[data-preset="living-room"]', 'aria-pressed')).toBe('true');
    await tabTo('#submit');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#result:not([hidden])');
    await tabTo('#compare-slider');
    await page.keyboard.press('Home');
    expect(await page.inputValue('#compare-slider')).toBe('0');
    await tabTo('#download');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toBe('sample-room.staged.jpg');
  });

  it('asks for an access token when the server needs one, then works with it', async () => {
    const token = 'browser-test-token-0123456789abcdef0123';
    const guarded = await startServeProcess({ SERVER_TOKENS: token, MOCK_DELAY_MS: '100' });
    try {
      expectedErrors.push(/status of 401/);
      await page.goto(`${guarded.url}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#token-field:not([hidden])');
      // The server's 401: its detail, its hint, and what to do on this page.
      const said = await page.textContent('#error');
      expect(said).toContain('This server needs an access token.');
      expect(said).toContain('Send Authorization: Bearer <token>');
      expect(said).toContain('enter it in the Access token field');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
      await page.fill('#token', token);
      await page.press('#token', 'Tab'); // change: the provider list is asked for again, with the token
      await expect.poll(() => page.inputValue('#provider'), POLL).toBe('mock');
      // The server's presets arrive with the token too (its declutter chip is not in the built-in list).
      await page.waitForSelector('.chip[data-preset="declutter"]');
      await page.setInputFiles('#photo-input', SAMPLE);
      const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/api/jobs')), page.click('#submit')]);
      expect(request.headers()['authorization']).toBe(`Bearer ${token}`);
      await page.waitForSelector('#result:not([hidden])');
      expect(await page.evaluate(() => sessionStorage.getItem('frameforge.token'))).toBe(token);
      await page.evaluate(() => sessionStorage.clear());
    } finally {
      await guarded.stop();
    }
  });

  it('fits 375, 1280 and 1440 px wide, in light and dark; screenshots in test-artifacts/', async () => {
    for (const [width, scheme] of [[1280, 'light'], [375, 'light'], [375, 'dark'], [1280, 'dark'], [1440, 'light']] as const) {
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme: scheme });
      await page.evaluate(() => window.scrollTo(0, 0));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal scroll at ${width} px`).toBe(0);
      const file = path.join(ARTIFACTS, `page-${width}-${scheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      expect((await sharp(file).metadata()).width).toBe(width);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('offers the output size the server takes, and the size chosen reaches the model', { timeout: 120_000 }, async () => {
    // A real Gemini adapter behind the server, pointed at the tests' fake Gemini on this machine.
    const gemini = await startGeminiServer({ apiKey: 'gk-browser-size-1' });
    const served = await startServeProcess({ GOOGLE_API_KEY: 'gk-browser-size-1', GOOGLE_GEMINI_BASE_URL: gemini.url, FAL_PROXY_URL: 'http://127.0.0.1:9', MAX_RETRIES: '0' });
    try {
      await open(served);
      expect(await page.isVisible('#size')).toBe(true);
      expect(await page.$$eval('#size option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['auto', '1K', '2K', '4K']);
      await page.selectOption('#provider', 'google');
      await page.setInputFiles('#photo-input', SAMPLE);
      // The sample is 1600 px wide: auto would ask for 2K, so 4K and 1K show the choice itself arrived.
      for (const chosen of ['4K', '1K']) {
        await page.selectOption('#size', chosen);
        await page.click('#submit');
        await expect.poll(() => gemini.callsTo('generate').length, POLL).toBe(chosen === '4K' ? 1 : 2);
        await expect.poll(() => page.textContent('#status'), POLL).toMatch(/^Done in/);
      }
      const sent = gemini.callsTo('generate').map((c) => (c.json as { generationConfig: { imageConfig: Record<string, string> } }).generationConfig.imageConfig);
      expect(sent).toEqual([{ aspectRatio: '3:2', imageSize: '4K' }, { aspectRatio: '3:2', imageSize: '1K' }]);
      expect(await page.isVisible('#mock-badge')).toBe(false);
    } finally {
      await served.stop();
      await gemini.close();
    }
    // A server whose edit form has no `size` (an older one) gets no size menu, and no size field is sent.
    const doc = `${fast.url}/api/openapi.json`;
    await page.route(doc, async (route) => {
      const response = await route.fetch();
      const text = (await response.text()).replaceAll('"size"', '"size-unknown-here"');
      await route.fulfill({ response, body: text });
    });
    try {
      await open(fast);
      expect(await page.isHidden('#size-field')).toBe(true);
      await page.setInputFiles('#photo-input', SAMPLE);
      const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/api/jobs')), page.click('#submit')]);
      expect(request.postDataBuffer()!.toString('latin1')).not.toMatch(/name="size"/);
      await page.waitForSelector('#result:not([hidden])');
    } finally {
      await page.unroute(doc);
    }
  });

  it('takes a pasted image (a clipboard paste event) and sends it', async () => {
    await open(fast);
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#c08040' } }).png().toBuffer();
    // What a browser hands the page when an image is pasted: a File named image.png in clipboardData.
    const handled = await page.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      const event = new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true });
      document.getElementById('prompt')!.dispatchEvent(event);
      return event.defaultPrevented;
    }, png.toString('base64'));
    expect(handled).toBe(true);
    await expect.poll(() => page.textContent('#preview-caption'), POLL).toMatch(/^pasted-photo\.png · 640 × 480 px/);
    const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/api/jobs')), page.click('#submit')]);
    const body = request.postDataBuffer()!;
    expect(body.includes(png)).toBe(true);
    expect(body.toString('latin1')).toMatch(/name="images"; filename="pasted-photo\.png"/);
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.getAttribute('#download', 'download')).toBe('pasted-photo.staged.png');
    // Text pasted into the prompt stays text: the photo is not replaced.
    await page.focus('#prompt');
    const textPaste = await page.evaluate(() => {
      const transfer = new DataTransfer();
      transfer.setData('text/plain', 'a sofa');
      const event = new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true });
      document.getElementById('prompt')!.dispatchEvent(event);
      return event.defaultPrevented;
    });
    expect(textPaste).toBe(false);
    expect(await page.textContent('#preview-caption')).toMatch(/^pasted-photo\.png/);
  });

  it('moves the comparison slider with the mouse (click and drag) and by touch', { timeout: 120_000 }, async () => {
    // The result of the paste above is on show.
    await page.waitForSelector('#result:not([hidden])');
    await page.locator('#compare-slider').scrollIntoViewIfNeeded();
    const box = (await page.locator('#compare-slider').boundingBox())!;
    const y = box.y + box.height / 2;
    const at = (fraction: number) => box.x + box.width * fraction;
    await page.mouse.click(at(0.25), y);
    const clicked = Number(await page.inputValue('#compare-slider'));
    expect(clicked).toBeGreaterThanOrEqual(20);
    expect(clicked).toBeLessThanOrEqual(30);
    await page.mouse.move(at(0.3), y);
    await page.mouse.down();
    await page.mouse.move(at(0.55), y, { steps: 5 });
    await page.mouse.move(at(0.8), y, { steps: 5 });
    await page.mouse.up();
    const dragged = Number(await page.inputValue('#compare-slider'));
    expect(dragged).toBeGreaterThanOrEqual(75);
    expect(dragged).toBeLessThanOrEqual(85);
    expect(await page.$eval('#compare', (el) => (el as HTMLElement).style.getPropertyValue('--pos'))).toBe(`${dragged}%`);

    // A phone: a touch screen, 375 px wide.
    const phone = await browser.newContext({ viewport: { width: 375, height: 800 }, hasTouch: true, isMobile: true });
    await phone.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      offHost.push(url.href);
      return route.abort('blockedbyclient');
    });
    try {
      const touch = await phone.newPage();
      await touch.goto(`${fast.url}/`);
      await touch.waitForSelector('body[data-ready="true"]');
      await touch.setInputFiles('#photo-input', SAMPLE);
      await touch.tap('#submit');
      await touch.waitForSelector('#result:not([hidden])');
      await touch.locator('#compare-slider').scrollIntoViewIfNeeded();
      const area = (await touch.locator('#compare-slider').boundingBox())!;
      await touch.touchscreen.tap(area.x + area.width * 0.2, area.y + area.height / 2);
      const tapped = Number(await touch.inputValue('#compare-slider'));
      expect(tapped).toBeGreaterThanOrEqual(15);
      expect(tapped).toBeLessThanOrEqual(25);
    } finally {
      await phone.close();
    }
  });

  it('badges a DEV_MODE fallback as a mock result, saying why', { timeout: 120_000 }, async () => {
    // No Gemini key, DEV_MODE: the server answers google with the mock and says so in X-FrameForge-Fallback.
    const dev = await startServeProcess({ DEV_MODE: 'true', MOCK_DELAY_MS: '50', GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:9' });
    try {
      await open(dev);
      await page.selectOption('#provider', 'google');
      await page.setInputFiles('#photo-input', SAMPLE);
      await page.click('#submit');
      await page.waitForSelector('#result:not([hidden])');
      expect(await page.isVisible('#mock-badge')).toBe(true);
      expect(await page.textContent('#mock-badge')).toBe('Mock result: the server had no key for this provider and answered with the mock');
    } finally {
      await dev.stop();
    }
  });

  it('labels every control it shows', async () => {
    const unlabelled = await page.$$eval('input, select, textarea, button', (elements) =>
      elements
        .filter((el) => !el.closest('[hidden]'))
        .filter((el) => {
          const control = el as HTMLInputElement;
          const text = el.tagName === 'BUTTON' ? el.textContent?.trim() : '';
          return !(control.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || text);
        })
        .map((el) => el.outerHTML.slice(0, 100)),
    );
    expect(unlabelled).toEqual([]);
  });

  it('on 429 shows the server\'s detail, its hint and what to do', { timeout: 120_000 }, async () => {
    const limited = await startServeProcess({ DEFAULT_PROVIDER: 'mock', MOCK_DELAY_MS: '50', RATE_LIMIT_EDITS_PER_HOUR: '1' });
    try {
      await open(limited);
      await page.setInputFiles('#photo-input', SAMPLE);
      await page.click('#submit');
      await page.waitForSelector('#result:not([hidden])');
      expectedErrors.push(/status of 429/);
      const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/jobs')), page.click('#submit')]);
      expect(refused.status()).toBe(429);
      const retryAfter = Number(refused.headers()['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      await page.waitForSelector('#error:not([hidden])');
      const text = (await page.textContent('#error'))!;
      expect(text).toContain('Too many edits from your address.');
      expect(text).toContain(`Try again in ${retryAfter} s.`);
      expect(text).toContain(`how many edits each address may ask for. Press Stage the room again in ${retryAfter} s.`);
      expect(text).not.toContain('[object Object]');
      expect(await page.textContent('#status')).toBe('The edit failed.');
      expect(await page.isEnabled('#submit')).toBe(true);
    } finally {
      await limited.stop();
    }
  });

  it('on 503 (every edit slot taken) shows the server\'s detail, its hint and what to do', { timeout: 120_000 }, async () => {
    // One edit at a time, none waiting: a second edit is refused with 503 server_busy before its body is read.
    const busy = await startServeProcess({ DEFAULT_PROVIDER: 'mock', MOCK_DELAY_MS: '600000', MAX_CONCURRENT_EDITS: '1', MAX_QUEUED_EDITS: '0' });
    const hog = new AbortController();
    try {
      const body = new FormData();
      body.append('images', new Blob([await readFile(SAMPLE)], { type: 'image/jpeg' }), 'hog.jpg');
      const held = fetch(`${busy.url}/api/edit`, { method: 'POST', body, signal: hog.signal }).catch(() => undefined);
      // Until the hog holds the slot, a probe without an image takes it for a moment and gets 400.
      await expect
        .poll(async () => (await fetch(`${busy.url}/api/edit`, { method: 'POST', body: new FormData() })).status, POLL)
        .toBe(503);
      await withoutJobsApi(busy, async () => {
        await open(busy);
        await page.setInputFiles('#photo-input', SAMPLE);
        expectedErrors.push(/status of 503/);
        const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/edit')), page.click('#submit')]);
        expect(refused.status()).toBe(503);
        const retryAfter = Number(refused.headers()['retry-after']);
        await page.waitForSelector('#error:not([hidden])');
        const text = (await page.textContent('#error'))!;
        expect(text).toContain('The server is busy: 1 edit in progress and 0 waiting.');
        expect(text).toContain(`Try again in ${retryAfter} s.`);
        expect(text).toContain(`as many edits as it takes at once. Press Stage the room again in ${retryAfter} s.`);
        expect(await page.isEnabled('#submit')).toBe(true);
        await page.locator('.controls').screenshot({ path: path.join(ARTIFACTS, 'page-busy-1280.png') });
        // The error box in the narrow, dark layout too.
        await page.setViewportSize({ width: 375, height: 900 });
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.locator('#error').screenshot({ path: path.join(ARTIFACTS, 'page-busy-375-dark.png') });
        await page.emulateMedia({ colorScheme: 'light' });
        await page.setViewportSize({ width: 1280, height: 900 });
      });
      hog.abort();
      await held;
    } finally {
      hog.abort();
      await busy.stop();
    }
  });

  it('made no request off 127.0.0.1 and logged no console error it should not have', () => {
    expect(offHost).toEqual([]);
    const unexpected = consoleErrors.filter((e) => !expectedErrors.some((pattern) => pattern.test(e.text) && /\/api\/(edit|jobs|providers|providers\/status|presets)$/.test(e.url)));
    expect(unexpected).toEqual([]);
  });
});
