/**
 * Preset chips: one room and one style at most (pressing a chip again
 * clears it); each choice rewrites the prompt from the catalogue.
 */
import { byId } from './dom';
import type { Chip, PresetCatalog } from './presets';

export class PresetChips {
  room: Chip | undefined;
  style: Chip | undefined;

  constructor(
    private readonly catalog: PresetCatalog,
    private readonly onChange: (prompt: string) => void,
  ) {
    this.render('room-chips', catalog.rooms, 'room');
    this.render('style-chips', catalog.styles, 'style');
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
        this.onChange(this.catalog.prompt(this.room, this.style));
      });
      return button;
    });
    fieldset.querySelectorAll('.chip').forEach((old) => old.remove());
    fieldset.append(...buttons);
  }
}
