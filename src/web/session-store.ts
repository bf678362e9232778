/**
 * Secrets the user types (provider keys, the access token) live in
 * sessionStorage only: this tab, until it closes; never localStorage, never
 * a cookie, and never sent anywhere but this server's API.
 */
const PREFIX = 'frameforge.';

export function readSecret(name: string): string {
  try {
    return sessionStorage.getItem(PREFIX + name) ?? '';
  } catch {
    return ''; // storage disabled: the field still works for this page view
  }
}

export function writeSecret(name: string, value: string): void {
  try {
    if (value) sessionStorage.setItem(PREFIX + name, value);
    else sessionStorage.removeItem(PREFIX + name);
  } catch {
    // storage disabled or full: the value is still used from the field
  }
}
