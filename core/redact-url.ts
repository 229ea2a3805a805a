/**
 * Connection strings as logs, errors and status output may show them: the password replaced by
 * `***` (`postgres://user:***@host/db`), and so are query parameters that carry credentials
 * (`?password=`, `sslpassword=`, `token=`). A string that does not parse as a URL with a host
 * loses everything up to its last `@`, since which part is the password cannot be told; libpq's
 * `key=value` form has the same parameters masked.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return redactUnparsed(text);
  }
  // `user:secret@host/db` parses too, as scheme `user:` with an opaque path holding the password;
  // and an unescaped `/` in a password (`u:12/x@host`) moves the rest of it into the path.
  // (An `@` after a plain host, as in `https://docs.example/a@b`, is only a path.)
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(text)?.[1] ?? '';
  if (url.host === '' || (authority.includes(':') && `${url.pathname}${url.search}${url.hash}`.includes('@'))) return redactUnparsed(text);
  const secretParams = [...url.searchParams.keys()].filter((name) => credentialName.test(name));
  if (url.password === '' && secretParams.length === 0) return text;
  if (url.password !== '') url.password = '***';
  for (const name of secretParams) url.searchParams.set(name, '***');
  return url.toString();
}

/** Names of parameters that hold credentials. */
const credentialName = /pass|pwd|secret|token|key|credential/i;

function redactUnparsed(text: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
  const rest = text.slice(scheme.length);
  const withoutUserinfo = rest.slice(rest.lastIndexOf('@') + 1);
  return (
    scheme +
    withoutUserinfo.replace(/([\w.-]+)\s*=\s*('[^']*'|[^\s&]*)/g, (pair, name: string) =>
      credentialName.test(name) ? `${name}=***` : pair,
    )
  );
}

/**
 * `redactUrl` for every URL inside a text (an error message, a stack), and libpq's
 * `password=…` outside URLs: each password becomes `***`. A URL runs to the next space or quote.
 */
export function redactUrlsIn(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi, (url) => redactUrl(url))
    .replace(
      /\b((?:ssl)?password|passwd|pwd)(\s*=\s*)('[^']*'|[^\s&'"]+)/gi,
      (_pair, name: string, equals: string) => `${name}${equals}***`,
    );
}
