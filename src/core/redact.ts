/**
 * Cuts secrets (API keys) out of text before it reaches a log line or an
 * error message. One rule for every caller: values shorter than
 * MIN_SECRET_LENGTH are left alone, since replacing a short value would
 * garble ordinary words, and real keys are long.
 */
export const MIN_SECRET_LENGTH = 6;

export function redactSecrets(text: string, secrets: readonly string[], mask: string): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(mask);
  }
  return out;
}
