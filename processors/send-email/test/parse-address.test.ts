import { expect } from 'chai';
import addressparser from 'nodemailer/lib/addressparser';
import { isPermanentJobError } from '@nself-jobs/sdk';
import { isDomainAllowed, parseAllowedDomains } from '../src/allowed-domains.js';
import { formatMailbox, parseMailbox } from '../src/parse-address.js';

function refusal(entry: string): string {
  try {
    parseMailbox(entry, 'payload.to');
  } catch (error) {
    expect(isPermanentJobError(error), entry).to.equal(true);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(entry)} to be refused`);
}

describe('send-email address checks', () => {
  it('accepts plain, angle and named forms, and normalises the domain', () => {
    expect(parseMailbox('user@example.com', 'f')).to.deep.equal({ name: '', address: 'user@example.com', domain: 'example.com' });
    expect(parseMailbox('  <user@Example.COM> ', 'f')).to.deep.equal({ name: '', address: 'user@example.com', domain: 'example.com' });
    expect(parseMailbox('John Q. Public <John.Q+tag@example.com>', 'f')).to.deep.equal({ name: 'John Q. Public', address: 'John.Q+tag@example.com', domain: 'example.com' });
    expect(parseMailbox('"Doe, \\"JD\\" John" <j@example.com>', 'f').name).to.equal('Doe, "JD" John');
    expect(parseMailbox('Ünïcode   Näme <u@bücher.example>', 'f')).to.deep.equal({ name: 'Ünïcode Näme', address: 'u@xn--bcher-kva.example', domain: 'xn--bcher-kva.example' });
  });

  it('refuses display names that carry an address or an encoded word', () => {
    expect(refusal('"attacker@evil.com" <victim@good.com>')).to.equal('payload.to "\\"attacker@evil.com\\" <victim@good.com>" is refused: the display name contains "@": it could pass for another address');
    expect(refusal('"victim＠good.com" <attacker@evil.com>')).to.match(/display name contains "@"/);
    expect(refusal('"victim﹫good.com" <attacker@evil.com>')).to.match(/display name contains "@"/);
    expect(refusal('attacker@evil.com <victim@good.com>')).to.match(/special characters/);
    expect(refusal('<victim@good.com> <attacker@evil.com>')).to.match(/special characters/);
    expect(refusal('=?utf-8?Q?victim=40good.com?= <attacker@evil.com>')).to.match(/encoded word/);
  });

  it('refuses everything but one plain address per entry', () => {
    const cases: [string, RegExp][] = [
      ['"a@b"@evil.com', /quoted local parts are not accepted/],
      ['"a"@evil.com', /quoted local parts are not accepted/],
      ['a@b.com@evil.com', /not a plain local part/],
      ['a@b.com, c@d.com', /one address per entry/],
      ['Group: a@b.com;', /one address per entry/],
      ['Group:;', /one address per entry/],
      ['victim@good.com (attacker@evil.com)', /comments/],
      ['a(comment)@good.com', /comments/],
      ['<a@b.com>evil.com', /text after the address/],
      ['x <a@b.com> y', /text after the address/],
      ['a b@c.com', /expected "user@domain"/],
      ['"unterminated <a@b.com>', /not one properly quoted string/],
      ['a@[127.0.0.1]', /not a valid domain name/],
      ['a@127.0.0.1', /not a valid domain name/],
      ['a@localhost', /not a valid domain name/],
      ['a@-bad-.com', /not a valid domain name/],
      ['a@b..com', /not a valid domain name/],
      ['a..b@c.com', /not a plain local part/],
      ['.a@c.com', /not a plain local part/],
      ['ü@c.com', /not a plain local part/],
      ['plain', /exactly one address/],
      ['<>', /exactly one address/],
      ['', /it is empty/],
      [`${'a'.repeat(65)}@c.com`, /longer than 64/],
      ['a@c.com\r\nBcc: x@evil.com', /control character \(CR\)/],
      ['a@c.com\nx', /control character \(LF\)/],
      ['a\u0000@c.com', /control character \(U\+0000\)/],
      ['Name\u2028 <a@c.com>', /control character \(U\+2028\)/],
    ];
    for (const [entry, expected] of cases) expect(refusal(entry), JSON.stringify(entry)).to.match(expected);
  });

  it('writes a canonical form that nodemailer reads back as the same single mailbox', () => {
    for (const entry of ['a@b.com', 'Ada <ada@example.com>', '"Doe, Jane" <jane@example.org>', '"Say \\"hi\\"" <hi@example.org>', 'Ünï <u@bücher.example>', 'John Q. Public <j@example.com>']) {
      const mailbox = parseMailbox(entry, 'f');
      const formatted = formatMailbox(mailbox);
      expect(addressparser(formatted), formatted).to.deep.equal([{ name: mailbox.name, address: mailbox.address }]);
      expect(parseMailbox(formatted, 'f'), formatted).to.deep.equal(mailbox);
    }
  });

  it('reads JOBS_EMAIL_ALLOWED_DOMAINS: exact domains and *.subdomains, case- and IDN-insensitive', () => {
    expect(parseAllowedDomains(undefined)).to.deep.equal({ problems: [] });
    expect(parseAllowedDomains('  ')).to.deep.equal({ problems: [] });
    const { rules, problems } = parseAllowedDomains(' Example.com , *.Example.org,bücher.example ');
    expect(problems).to.deep.equal([]);
    expect(rules).to.deep.equal([
      { domain: 'example.com', subdomains: false },
      { domain: 'example.org', subdomains: true },
      { domain: 'xn--bcher-kva.example', subdomains: false },
    ]);
    expect(isDomainAllowed('example.com', rules!)).to.equal(true);
    expect(isDomainAllowed('mail.example.com', rules!)).to.equal(false);
    expect(isDomainAllowed('a.b.example.org', rules!)).to.equal(true);
    expect(isDomainAllowed('example.org', rules!)).to.equal(false);
    expect(isDomainAllowed('evilexample.org', rules!)).to.equal(false);
    expect(isDomainAllowed('example.com.evil.example', rules!)).to.equal(false);
    expect(isDomainAllowed(parseMailbox('x@BÜCHER.example', 'f').domain, rules!)).to.equal(true);
    expect(parseAllowedDomains('example.com,*,@x.com').problems).to.deep.equal([
      'JOBS_EMAIL_ALLOWED_DOMAINS: "*" is not a domain name (use example.com or *.example.com)',
      'JOBS_EMAIL_ALLOWED_DOMAINS: "@x.com" is not a domain name (use example.com or *.example.com)',
    ]);
  });
});
