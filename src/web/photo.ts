/**
 * Getting the photo: the file picker, drag and drop, paste, or the bundled
 * sample. The file is sent as it is; the preview is shown at once from the
 * file itself, and a large photo is then swapped for a downscaled copy
 * (display only) so a 40-megapixel JPEG does not weigh on the page.
 * Object URLs are kept for the session: the results list shows them again.
 */
import { byId, meta, show } from './dom';

export interface Photo {
  file: File;
  /** The name to build the download's from (`room.jpg` gives `room.staged.jpg`). */
  name: string;
  /** What the page shows: the file itself, or a downscaled copy of a large one. */
  previewUrl: string;
}

/** Longest edge shown; beyond this the preview is a downscaled copy. */
const PREVIEW_EDGE = 1600;

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

async function downscaled(file: File): Promise<{ url: string; width: number; height: number } | undefined> {
  const bitmap = await createImageBitmap(file);
  const { width, height } = bitmap;
  const scale = PREVIEW_EDGE / Math.max(width, height);
  if (scale >= 1) {
    bitmap.close();
    return { url: '', width, height };
  }
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
  return blob ? { url: URL.createObjectURL(blob), width, height } : undefined;
}

export class PhotoPicker {
  private readonly input = byId<HTMLInputElement>('photo-input');
  private readonly drop = byId('drop');
  private readonly preview = byId('preview');
  private readonly img = byId<HTMLImageElement>('preview-img');
  private readonly caption = byId('preview-caption');
  photo: Photo | undefined;

  constructor(private readonly onPick: (photo: Photo) => void, private readonly onError: (message: string) => void) {
    this.input.addEventListener('change', () => {
      const file = this.input.files?.[0];
      if (file) this.use(file);
    });
    this.drop.addEventListener('dragover', (event) => {
      event.preventDefault();
      this.drop.classList.add('dragging');
    });
    this.drop.addEventListener('dragleave', () => this.drop.classList.remove('dragging'));
    this.drop.addEventListener('drop', (event) => {
      event.preventDefault();
      this.drop.classList.remove('dragging');
      const file = [...(event.dataTransfer?.files ?? [])][0];
      if (file) this.use(file);
    });
    document.addEventListener('paste', (event) => {
      const file = [...(event.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
      if (!file) return;
      event.preventDefault();
      this.use(file);
    });
    byId('sample').addEventListener('click', () => void this.useSample());
  }

  private async useSample(): Promise<void> {
    try {
      const response = await fetch(meta('frameforge-sample'));
      if (!response.ok) throw new Error(String(response.status));
      this.use(new File([await response.blob()], 'sample-room.jpg', { type: 'image/jpeg' }));
    } catch {
      this.onError('The sample photo could not be loaded from the server.');
    }
  }

  use(file: File): void {
    // A pasted image is called image.png by the browser; name it for what it is.
    const name = file.name && file.name !== 'image.png' ? file.name : `pasted-photo.${file.type.split('/')[1] ?? 'png'}`;
    const url = URL.createObjectURL(file);
    this.photo = { file, name, previewUrl: url };
    this.img.src = url;
    this.img.alt = `The photo to stage: ${name}`;
    this.caption.textContent = `${name} · ${formatBytes(file.size)}`;
    show(this.preview, true);
    this.onPick(this.photo);
    const photo = this.photo;
    downscaled(file)
      .then((small) => {
        if (!small || this.photo !== photo) return;
        this.caption.textContent = `${name} · ${small.width} × ${small.height} px · ${formatBytes(file.size)}`;
        if (!small.url) return;
        photo.previewUrl = small.url;
        this.img.src = small.url;
      })
      .catch(() => {
        // The browser cannot draw this format (HEIC in most): the server may still read it.
        this.caption.textContent = `${name} · ${formatBytes(file.size)} · no preview in this browser; it can still be sent`;
      });
  }
}
