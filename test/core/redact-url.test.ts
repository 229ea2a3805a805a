import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlsIn } from '../../core/redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['postgres://user:hunter2@db:5432/app', 'postgres://user:***@db:5432/app'],
    ['postgres://user:p@ss:w0rd@db/app?sslmode=require', 'postgres://user:***@db/app?sslmode=require'],
    ['https://registry:s3cret@registry.example/apis/ccompat/v7', 'https://registry:***@registry.example/apis/ccompat/v7'],
    ['postgres://db/app?password=hunter2&sslmode=require', 'postgres://db/app?password=***&sslmode=require'],
    ['postgres://u:pw@db/app?sslpassword=x', 'postgres://u:***@db/app?sslpassword=***'],
  ])('masks the password of %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it.each([
    ['postgres://user:hunter2@db:99999/app', 'postgres://db:99999/app'],
    ['user:hunter2@db/app', 'db/app'],
    ['postgres://user:12/hunter2@db/app', 'postgres://db/app'],
    ['host=db user=u password=hunter2 dbname=app', 'host=db user=u password=*** dbname=app'],
  ])('drops the user part of %s, which does not parse as a URL with a host', (text, shown) => {
    expect(redactUrl(text)).toBe(shown);
  });

  it('leaves a URL without credentials as it was written', () => {
    for (const url of ['http://127.0.0.1:8081/apis/ccompat/v7', 'postgres://postgres@127.0.0.1:5432/event_pipeline', 'not a url']) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});

describe('redactUrlsIn', () => {
  it.each([
    ['connect postgres://u:hun/ter2@db.internal/x failed', 'connect postgres://db.internal/x failed'],
    ['url "postgres://db/app?sslmode=require&password=hunter2" refused', 'url "postgres://db/app?sslmode=require&password=***" refused'],
    ["libpq: host=db user=u password='hunter 2' sslmode=require", 'libpq: host=db user=u password=*** sslmode=require'],
    ['host=db password=hunter2 port=5432', 'host=db password=*** port=5432'],
  ])('masks the password in %s', (text, shown) => {
    expect(redactUrlsIn(text)).toBe(shown);
  });

  it('masks the password of every URL in a text, and leaves the rest', () => {
    expect(redactUrlsIn('cannot reach postgres://u:hunter2@db/app nor https://a:p@ss@r.example/x; see https://docs.example/a@b')).toBe(
      'cannot reach postgres://u:***@db/app nor https://a:***@r.example/x; see https://docs.example/a@b',
    );
  });
});
