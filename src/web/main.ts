/**
 * The page's entry: finds out what the server can do, then wires the photo,
 * the presets, the provider menu, submit/cancel, errors and results.
 */
import './styles.css';
import { ApiError } from './api';
import { detectCapabilities } from './capabilities';
import { PresetChips } from './chips';
import { byId, meta, show } from './dom';
import { PhotoPicker } from './photo';
import { BUILT_IN_PRESETS, loadPresets } from './presets';
import { ProviderMenu } from './providers';
import { downloadName, Results } from './results';
import { runDirect, runJob, type EditRun } from './run-edit';
import { readSecret, writeSecret } from './session-store';

const prompt = byId<HTMLTextAreaElement>('prompt');
const submit = byId<HTMLButtonElement>('submit');
const cancel = byId<HTMLButtonElement>('cancel');
const status = byId('status');
const errorBox = byId('error');
const sizeField = byId('size-field');
const size = byId<HTMLSelectElement>('size');
const tokenField = byId('token-field');
const token = byId<HTMLInputElement>('token');

const defaultPrompt = meta('frameforge-default-prompt');
prompt.value = defaultPrompt;
token.value = readSecret('token');
token.addEventListener('input', () => writeSecret('token', token.value.trim()));

const providers = new ProviderMenu();
const results = new Results();
let running: EditRun | undefined;

function clearError(): void {
  errorBox.replaceChildren();
  show(errorBox, false);
}

function showError(title: string, ...lines: string[]): void {
  const strong = document.createElement('strong');
  strong.textContent = title;
  errorBox.replaceChildren(strong, ...lines.filter(Boolean).map((line) => Object.assign(document.createElement('p'), { textContent: line })));
  show(errorBox, true);
  errorBox.focus();
}

/** What to do about an error, by status; the server's own detail and hint come first. */
function explain(error: ApiError): void {
  // The server's detail already says how long; this line says what to do on this page.
  const when = error.retryAfter ? `in ${error.retryAfter} s` : 'in a moment';
  if (error.status === 401 && error.code === 'unauthorized') {
    show(tokenField, true);
    showError(error.detail, error.hint ?? '', 'This server needs an access token: enter it in the Access token field, then submit again.');
    token.focus();
    return;
  }
  if (error.status === 401) {
    showError(error.detail, error.hint ?? '', 'Enter your own key for this provider in the key field, or pick a provider that is ready (the mock always is).');
    providers.askForKey();
    return;
  }
  if (error.status === 429) {
    return showError(error.detail, error.hint ?? '', `This server limits how many edits each address may ask for. Press Stage the room again ${when}.`);
  }
  if (error.status === 503) {
    return showError(error.detail, error.hint ?? '', `The server is working on as many edits as it takes at once. Press Stage the room again ${when}.`);
  }
  showError(error.detail, error.hint ?? '');
}

function setRunning(run: EditRun | undefined): void {
  running = run;
  submit.disabled = Boolean(run);
  show(cancel, Boolean(run));
  if (run) cancel.focus();
  else if (document.activeElement === cancel || document.activeElement === document.body) submit.focus();
}

async function start(jobs: boolean, sizes: boolean): Promise<void> {
  const photo = picker.photo;
  clearError();
  if (!photo) {
    showError('Choose a photo first.', 'Pick a file, drop one on the photo area, or paste one.');
    return;
  }
  const form = new FormData();
  form.append('images', photo.file, photo.name);
  for (const [name, value] of chips?.formFields(prompt.value.trim()) ?? [['prompt', prompt.value.trim()]]) form.append(name, value);
  form.append('provider', providers.value);
  if (sizes) form.append('size', size.value);
  const started = performance.now();
  let phase = '';
  const tick = () => (status.textContent = `${phase}… ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const timer = setInterval(tick, 100);
  const run = (jobs ? runJob : runDirect)(form, providers.keyHeaders(), (p) => ((phase = p), tick()));
  setRunning(run);
  try {
    const result = await run.result;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    status.textContent = `Done in ${seconds} s.`;
    results.add({
      ...result,
      beforeUrl: photo.previewUrl,
      afterUrl: URL.createObjectURL(result.blob),
      inputName: photo.name,
      downloadName: downloadName(photo.name, result.mimeType),
      prompt: prompt.value,
      at: new Date(),
    });
    byId('result-heading').focus();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') status.textContent = 'Cancelled.';
    else if (error instanceof ApiError) {
      status.textContent = 'The edit failed.';
      explain(error);
    } else {
      status.textContent = 'The edit failed.';
      showError('Something went wrong in the page.', error instanceof Error ? error.message : String(error));
    }
  } finally {
    clearInterval(timer);
    setRunning(undefined);
  }
}

const picker = new PhotoPicker(
  () => {
    clearError();
    status.textContent = 'Photo ready. Choose a preset or write a prompt, then stage it.';
  },
  (message) => showError(message),
);

const fillPrompt = (text: string) => {
  prompt.value = text;
  prompt.scrollTop = 0; // a long preset prompt is read from its start
};
/** Made once the server's capabilities are known: its presets, or the built-in ones. */
let chips: PresetChips | undefined;

cancel.addEventListener('click', () => {
  running?.cancel();
});

async function init(): Promise<void> {
  const capabilities = await detectCapabilities();
  chips = new PresetChips(capabilities.presets ? await loadPresets(true) : BUILT_IN_PRESETS, fillPrompt);
  show(sizeField, capabilities.size);
  // A form, so Enter in a field submits; the page never navigates.
  byId('edit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!running) void start(capabilities.jobs, capabilities.size);
  });
  const loadProviders = () =>
    providers.load().then(clearError, (error: unknown) => {
      if (error instanceof ApiError) explain(error);
    });
  // A token typed after a 401 unlocks the provider list and the server's presets too.
  token.addEventListener('change', () => {
    void loadProviders();
    if (capabilities.presets) void loadPresets(true).then((catalog) => (chips = new PresetChips(catalog, fillPrompt)));
  });
  await loadProviders();
  document.body.dataset.ready = 'true';
}

void init();
