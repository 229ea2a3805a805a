import { describe, expect, it } from 'vitest';
import { findJava, parseJavaMajor } from '../../stack/tools.js';

describe('parseJavaMajor', () => {
  it('reads the major version of modern and legacy java -version output', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('openjdk version "25.0.3" 2026-04-21 LTS')).toBe(25);
    expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajor('no java here')).toBeUndefined();
  });
});

describe('findJava', () => {
  it('names the version needed and what was found when no JDK is new enough', async () => {
    await expect(findJava({ homes: [], minMajor: 99, purpose: 'A future registry', jvmRoot: '/nonexistent' })).rejects.toMatchObject({
      code: 'EVP_STACK_TOOL_MISSING',
      message: expect.stringMatching(/A future registry needs Java 99 or newer; found (only|no)/),
    });
  });
});
