/**
 * Preset chips: one room and one style at most (pressing a chip again
 * clears it), and a declutter chip when the server has that step; each
 * choice rewrites the prompt from the catalogue. `formFields` says what to
 * send: the preset fields when the server takes them and the prompt is
 * still the one the chips wrote, else the prompt alone.
 */
import { byId } from './dom';
import type { Chip, PresetCatalog } from './presets';

export class PresetChips {
  room: Chip | undefined;
  style: Chip | undefined;
  declutter = false;
  /** The prompt the chips last wrote, to tell whether the user edited it since. */
  private written: string | undefined;

  constructor(
    private readonly catalog: PresetCatalog,
    private readonly onChange: (prompt: string) => void,
  ) {
    this.render('room-chips', catalog.rooms, 'room');
    this.render('style-chips', catalog.styles, 'style');
    if (catalog.declutter) this.renderDeclutter();
  }

  private update(): void {
    this.written = this.catalog.prompt(this.room, this.style, this.declutter);
    this.onChange(this.written);
  }

  private renderDeclutter(): void {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'chip';
    button.textContent = 'Declutter first';
    button.title = this.catalog.declutter ?? '';
    button.dataset.preset = 'declutter';
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', () => {
      this.declutter = !this.declutter;
      button.setAttribute('aria-pressed', String(this.declutter));
      this.update();
    });
    byId('room-chips').append(button);
  }

  /** The form fields for `prompt` as it stands now. */
  formFields(prompt: string): [string, string][] {
    const chosen = this.room || this.style || this.declutter;
    if (this.catalog.fromServer && chosen && prompt === this.written) {
      return [
        ...(this.room ? [['room', this.room.id] as [string, string]] : []),
        ...(this.style ? [['style', this.style.id] as [string, string]] : []),
        ...(this.declutter ? [['declutter', 'true'] as [string, string]] : []),
      ];
    }
    return [['prompt', prompt]];
  }

  private render(id: string, chips: Chip[], group: 'room' | 'style'): void {
    const fieldset = byId(id);
    const buttons = chips.map((chip) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'chip';
      button.textContent = chip.label;
      button.dataset.preset = chip.id;
      button.setAttribute('aria-pressed', 'false');
      button.addEventListener('click', () => {
        const selected = this[group]?.id === chip.id ? undefined : chip;
        this[group] = selected;
        for (const b of buttons) b.setAttribute('aria-pressed', String(b === button && selected !== undefined));
        this.update();
      });
      return button;
    });
    fieldset.querySelectorAll('.chip').forEach((old) => old.remove());
    fieldset.append(...buttons);
  }
}
