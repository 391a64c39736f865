import { domainToASCII } from 'node:url';
import { EMAIL_REASONS, permanentError } from './job-errors.js';
import { describeControlCharacter, hasControlCharacter } from './control-characters.js';

/** One checked mailbox: a display name (may be empty) and one address. */
export interface Mailbox {
  name: string;
  /** `local@domain`, the domain lower-cased and in its ASCII (punycode) form. */
  address: string;
  domain: string;
}

export const MAX_ENTRY_LENGTH = 512;
const MAX_ADDRESS_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
const MAX_NAME_LENGTH = 200;

/** RFC 5322 dot-atom: the only local-part form accepted (no quoted local parts). */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** RFC 5322 specials that may not appear in an unquoted display name ('.' is tolerated, as in "John Q. Public"). */
const PHRASE_SPECIALS = /[()<>[\]:;@\\,"]/;
/** Anything a reader could take for the at sign of an address. */
const AT_SIGNS = /[@\uff20\ufe6b]/;
/** A name that is already an RFC 2047 encoded word would be decoded by mail clients into anything. */
const ENCODED_WORD = /=\?/;
const ATEXT_PHRASE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/;

/**
 * Parses one recipient or sender entry, strictly. Accepted forms, and nothing else:
 *
 *     user@example.com
 *     <user@example.com>
 *     Display Name <user@example.com>
 *     "Display, Name" <user@example.com>
 *
 * Refused: several addresses in one entry, group syntax, comments, text after the address,
 * quoted local parts, address literals, control characters (CR/LF), and any display name that
 * contains an at sign or an encoded word — the classic way to show one address and deliver to
 * another (`"ceo@good.com" <attacker@evil.com>`).
 *
 * `field` names the entry in error messages (`payload.to[1]`, `SMTP_FROM`, ...).
 */
export function parseMailbox(entry: string, field: string): Mailbox {
  const refuse = (why: string) =>
    permanentError(EMAIL_REASONS.badAddress, `${field} ${quote(entry)} is refused: ${why}`, { field });

  if (typeof entry !== 'string') throw refuse('not a string');
  if (hasControlCharacter(entry)) throw refuse(`it contains a control character (${describeControlCharacter(entry)})`);
  if (entry.length > MAX_ENTRY_LENGTH) throw refuse(`longer than ${MAX_ENTRY_LENGTH} characters`);
  const trimmed = entry.trim();
  if (trimmed === '') throw refuse('it is empty');

  let name = '';
  let address = trimmed;
  if (/[<>]/.test(trimmed)) {
    const angle = /^(.*)<([^<>]*)>$/s.exec(trimmed);
    if (!angle) throw refuse('expected "Name <user@domain>": unbalanced angle brackets or text after the address');
    name = parseDisplayName(angle[1]!.trim(), refuse);
    address = angle[2]!.trim();
  } else if (/[,;]/.test(trimmed)) {
    throw refuse('one address per entry: it holds a list or a group (",", ";")');
  } else if (/[():]/.test(trimmed)) {
    throw refuse('comments ("(...)") and group syntax ("name: ...;") are not accepted');
  } else if (/\s/.test(trimmed)) {
    throw refuse('expected "user@domain" or "Name <user@domain>"');
  }
  const checked = checkAddress(address, refuse);
  return { name, ...checked };
}

function parseDisplayName(raw: string, refuse: (why: string) => Error): string {
  if (raw === '') return '';
  let name: string;
  if (raw.startsWith('"')) {
    const quoted = /^"((?:[^"\\]|\\.)*)"$/s.exec(raw);
    if (!quoted) throw refuse('the display name is not one properly quoted string');
    name = quoted[1]!.replace(/\\(.)/gs, '$1');
  } else {
    if (PHRASE_SPECIALS.test(raw)) {
      throw refuse('the display name contains special characters (quote it, and it must still not contain "@"), or the entry holds more than one address');
    }
    name = raw;
  }
  name = name.replace(/\s+/g, ' ').trim();
  if (AT_SIGNS.test(name)) throw refuse('the display name contains "@": it could pass for another address');
  if (ENCODED_WORD.test(name)) throw refuse('the display name contains an encoded word ("=?"): it could pass for another address');
  if (name.length > MAX_NAME_LENGTH) throw refuse(`the display name is longer than ${MAX_NAME_LENGTH} characters`);
  return name;
}

function checkAddress(address: string, refuse: (why: string) => Error): { address: string; domain: string } {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw refuse('expected exactly one address of the form user@domain');
  const local = address.slice(0, at);
  const rawDomain = address.slice(at + 1);
  if (local.startsWith('"')) throw refuse('quoted local parts are not accepted');
  if (!DOT_ATOM.test(local)) throw refuse('the part before "@" is not a plain local part (or the entry holds more than one "@")');
  if (local.length > MAX_LOCAL_LENGTH) throw refuse(`the part before "@" is longer than ${MAX_LOCAL_LENGTH} characters`);
  const domain = normaliseDomain(rawDomain);
  if (!domain) throw refuse(`"${rawDomain}" is not a valid domain name (address literals and single-label names are not accepted)`);
  const normalised = `${local}@${domain}`;
  if (normalised.length > MAX_ADDRESS_LENGTH) throw refuse(`the address is longer than ${MAX_ADDRESS_LENGTH} characters`);
  return { address: normalised, domain };
}

/**
 * Lower-cased ASCII form of a host name (IDN labels become punycode), or '' when it is not a
 * name with at least two labels: IP addresses, `[literals]`, `localhost`, empty labels are refused.
 */
export function normaliseDomain(raw: string): string {
  if (raw === '' || raw.length > 253 || raw.endsWith('.')) return '';
  const ascii = /^[\x21-\x7e]*$/.test(raw) ? raw.toLowerCase() : domainToASCII(raw);
  if (!ascii) return '';
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return '';
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return '';
  return ascii;
}

/** The canonical RFC 5322 form: `user@domain`, `Name <user@domain>` or `"Name, Quoted" <user@domain>`. */
export function formatMailbox(mailbox: Mailbox): string {
  if (!mailbox.name) return mailbox.address;
  const name = ATEXT_PHRASE.test(mailbox.name) ? mailbox.name : `"${mailbox.name.replace(/(["\\])/g, '\\$1')}"`;
  return `${name} <${mailbox.address}>`;
}

/** An entry as it may appear in a message: JSON-quoted (control characters escaped) and cut short. */
function quote(entry: unknown): string {
  const text = typeof entry === 'string' ? entry : String(entry);
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}
