/** The API key lives in session storage: it is gone when the tab closes, and never in a URL. */
const storageKey = 'evp.console.key';

export function storedKey(): string | undefined {
  try {
    return sessionStorage.getItem(storageKey) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeKey(key: string | undefined): void {
  try {
    if (key === undefined) sessionStorage.removeItem(storageKey);
    else sessionStorage.setItem(storageKey, key);
  } catch {
    // Storage refused (private mode): the key lasts as long as the page.
  }
}
