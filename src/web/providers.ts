/**
 * The provider menu: ids from GET /api/providers, readiness and the default
 * from GET /api/providers/status; ready ones first, the others marked
 * "needs a key". A provider that needs a key shows an optional key field,
 * kept per kind (Gemini, fal) in sessionStorage and sent in that kind's
 * header with the edit.
 */
import { apiJson } from './api';
import { byId, show } from './dom';
import { readSecret, writeSecret } from './session-store';

type Kind = 'google' | 'fal' | 'mock';

interface ProviderStatus {
  id: string;
  kind?: Kind;
  ready: boolean;
  default?: boolean;
  needs?: string;
}

const KEY_INFO: Record<Exclude<Kind, 'mock'>, { label: string; header: string }> = {
  google: { label: 'Your Gemini API key', header: 'X-Google-API-Key' },
  fal: { label: 'Your fal.ai key', header: 'X-Fal-Key' },
};

function kindOf(id: string): Kind {
  const prefix = id.split(':')[0]!.toLowerCase();
  if (prefix === 'mock') return 'mock';
  return prefix === 'fal' ? 'fal' : 'google';
}

export class ProviderMenu {
  private readonly select = byId<HTMLSelectElement>('provider');
  private readonly note = byId('provider-note');
  private readonly keyField = byId('key-field');
  private readonly keyInput = byId<HTMLInputElement>('provider-key');
  private readonly keyLabel = byId('provider-key-label');
  private readonly keyNote = byId('provider-key-note');
  private statuses = new Map<string, ProviderStatus>();

  constructor() {
    this.select.addEventListener('change', () => this.sync());
    this.keyInput.addEventListener('input', () => {
      const kind = kindOf(this.value);
      if (kind !== 'mock') writeSecret(`key.${kind}`, this.keyInput.value.trim());
    });
  }

  get value(): string {
    return this.select.value;
  }

  async load(): Promise<void> {
    const [ids, status] = await Promise.all([
      apiJson<string[]>('/api/providers'),
      apiJson<{ default: string; providers: ProviderStatus[] }>('/api/providers/status').catch(() => undefined),
    ]);
    const known = new Map((status?.providers ?? []).map((p) => [p.id, p]));
    const list = [...new Set([...ids, ...known.keys()])].map(
      (id): ProviderStatus => known.get(id) ?? { id, ready: kindOf(id) === 'mock' || Boolean(readSecret(`key.${kindOf(id)}`)) },
    );
    this.statuses = new Map(list.map((p) => [p.id, p]));
    const ready = list.filter((p) => p.ready);
    const waiting = list.filter((p) => !p.ready);
    this.select.replaceChildren(this.group('Ready on this server', ready), this.group('Need a key', waiting));
    // The server's default when it can answer, else the first that can (the mock always can).
    const preferred = list.find((p) => p.default && p.ready) ?? ready.find((p) => p.kind !== 'mock') ?? ready[0] ?? list[0];
    if (preferred) this.select.value = preferred.id;
    this.sync();
  }

  private group(label: string, providers: ProviderStatus[]): HTMLOptGroupElement {
    const group = document.createElement('optgroup');
    group.label = label;
    for (const p of providers) {
      const option = new Option(p.ready ? p.id : `${p.id} (needs a key)`, p.id);
      group.append(option);
    }
    if (providers.length === 0) group.hidden = true;
    return group;
  }

  /** The key header for the chosen provider, when the user typed a key for its kind. */
  keyHeaders(): Record<string, string> {
    const kind = kindOf(this.value);
    if (kind === 'mock') return {};
    const key = readSecret(`key.${kind}`);
    return key ? { [KEY_INFO[kind].header]: key } : {};
  }

  /** After a missing/invalid key answer: show the key field and put the cursor in it. */
  askForKey(): void {
    if (kindOf(this.value) === 'mock') return;
    show(this.keyField, true);
    this.keyInput.focus();
  }

  private sync(): void {
    const id = this.value;
    const kind = kindOf(id);
    const status = this.statuses.get(id);
    show(this.keyField, kind !== 'mock');
    if (kind !== 'mock') {
      this.keyLabel.textContent = `${KEY_INFO[kind].label}${status?.ready ? ' (optional)' : ''}`;
      this.keyNote.textContent = `${status?.ready ? 'The server has its own key; yours is used instead when given.' : 'Needed: the server has none for this provider.'} Kept in this tab only (session storage) and sent only to this server.`;
      this.keyInput.value = readSecret(`key.${kind}`);
    }
    this.note.textContent =
      kind === 'mock'
        ? 'The mock provider answers with your photo, unedited: for trying the page offline.'
        : status && !status.ready
          ? `This server has no key for ${id} (${status.needs ?? 'a provider key'}): enter yours below.`
          : '';
  }
}
