/**
 * The result panel: the comparison, the Download link named after the input
 * and typed by the result (`room.jpg` edited to JPEG gives
 * `room.staged.jpg`), the mock badge, and this session's results as
 * thumbnails to go back to.
 */
import { Compare } from './compare';
import { byId, show } from './dom';
import type { EditResult } from './run-edit';

export interface SessionResult extends EditResult {
  beforeUrl: string;
  afterUrl: string;
  inputName: string;
  downloadName: string;
  prompt: string;
  at: Date;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'image/tiff': 'tif',
  'image/heic': 'heic',
};

/** `room.jpg` + image/png gives `room.staged.png`: the extension always says what the bytes are. */
export function downloadName(inputName: string, mimeType: string): string {
  const stem = inputName.replace(/\.[^./\\]+$/, '') || 'photo';
  return `${stem}.staged.${EXTENSIONS[mimeType] ?? mimeType.split('/')[1]?.replace(/[^a-z0-9]/g, '') ?? 'img'}`;
}

export class Results {
  private readonly section = byId('result');
  private readonly badge = byId('mock-badge');
  private readonly note = byId('result-note');
  private readonly download = byId<HTMLAnchorElement>('download');
  private readonly history = byId<HTMLUListElement>('history');
  private readonly compare = new Compare();
  private readonly items: SessionResult[] = [];

  add(result: SessionResult): void {
    this.items.push(result);
    const index = this.items.length - 1;
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'thumb';
    const img = document.createElement('img');
    img.src = result.afterUrl;
    img.alt = '';
    const time = result.at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    button.setAttribute('aria-label', `Result ${index + 1}: ${result.inputName}, ${result.provider || 'edit'}, ${time}${result.mock ? ', mock' : ''}`);
    button.append(img);
    button.addEventListener('click', () => this.display(index));
    item.append(button);
    this.history.append(item);
    this.display(index);
  }

  private display(index: number): void {
    const result = this.items[index];
    if (!result) return;
    show(this.section, true);
    this.compare.show(result.beforeUrl, result.afterUrl, result.inputName);
    this.download.href = result.afterUrl;
    this.download.download = result.downloadName;
    this.download.textContent = `Download ${result.downloadName}`;
    show(this.badge, result.mock);
    this.badge.textContent = result.fallback
      ? 'Mock result: the server had no key for this provider and answered with the mock'
      : 'Mock result: your photo, not an AI edit';
    this.note.textContent = `${result.provider ? `Made by ${result.provider}` : 'Done'} at ${result.at.toLocaleTimeString()}.`;
    for (const [i, li] of [...this.history.children].entries()) {
      li.querySelector('button')?.setAttribute('aria-current', i === index ? 'true' : 'false');
    }
  }
}
