/** The page's elements by id; a missing one is a bug in index.html, so it throws at startup. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

/** A `<meta name=...>` value written into the page by the server. */
export function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
}

export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible;
}
