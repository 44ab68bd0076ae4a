import type { Auth } from '../config.js';

/** What a scrubbed secret is replaced with in messages and logs. */
export const REDACTED = '[REDACTED]';

/**
 * Removes the configured credentials from text that came from a server (error bodies, listings,
 * version strings) before that text reaches an error message, a stack, `onError`, a debug line or
 * CLI output. Servers and proxies that echo request headers back in an error body are the reason:
 * the Authorization header carries the token, or the Basic value that decodes to the password.
 *
 * Each secret is removed as sent (the token, the password, the Basic base64 value) and in the two
 * spellings an echo commonly uses: percent-encoded and JSON-escaped. The longest needles go first,
 * so a `user:password` pair is redacted whole before the password inside it.
 */
export class SecretScrubber {
  private readonly needles: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const set = new Set<string>();
    for (const secret of secrets) {
      if (!secret) continue;
      for (const form of spellings(secret)) if (form) set.add(form);
    }
    this.needles = [...set].sort((a, b) => b.length - a.length);
  }

  /** A scrubber for the secrets of one credential setting (none: scrubbing returns text unchanged). */
  static forAuth(auth: Auth | undefined): SecretScrubber {
    if (!auth) return new SecretScrubber([]);
    if (auth.kind === 'bearer') return new SecretScrubber([`Bearer ${auth.token}`, auth.token]);
    const basic = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
    return new SecretScrubber([`Basic ${basic}`, basic, `${auth.username}:${auth.password}`, auth.password]);
  }

  /** True when there is nothing to scrub. */
  get empty(): boolean {
    return this.needles.length === 0;
  }

  /** `text` with every spelling of every secret replaced by REDACTED. */
  scrub(text: string): string {
    let out = text;
    for (const needle of this.needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out;
  }
}

function spellings(secret: string): string[] {
  return [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
}
