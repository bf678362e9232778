/**
 * The before/after comparison: the result underneath, the original on top,
 * cut at the slider's position. The slider is a native range input laid
 * over the pictures, so mouse (click or drag anywhere), touch and keyboard
 * (arrows, Page Up/Down, Home/End) all work and screen readers announce it.
 */
import { byId } from './dom';

export class Compare {
  private readonly box = byId('compare');
  private readonly before = byId<HTMLImageElement>('before-img');
  private readonly after = byId<HTMLImageElement>('after-img');
  private readonly slider = byId<HTMLInputElement>('compare-slider');

  constructor() {
    this.slider.addEventListener('input', () => this.position(Number(this.slider.value)));
    this.after.addEventListener('load', () => {
      // The box takes the result's shape; the original is fitted into the same box.
      const { naturalWidth: w, naturalHeight: h } = this.after;
      if (w && h) this.box.style.setProperty('--ratio', `${w} / ${h}`);
    });
  }

  show(beforeUrl: string, afterUrl: string, name: string): void {
    this.before.src = beforeUrl;
    this.before.alt = `Before: ${name} as uploaded`;
    this.after.src = afterUrl;
    this.after.alt = `After: ${name} staged`;
    this.slider.value = '50';
    this.position(50);
  }

  private position(percent: number): void {
    this.box.style.setProperty('--pos', `${percent}%`);
    this.slider.setAttribute('aria-valuetext', `${percent}% original`);
  }
}
