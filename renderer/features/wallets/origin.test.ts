/**
 * How an origin is split for the connect prompt, and which ones are flagged as unencrypted.
 */
import { describe, expect, it } from 'vitest';
import { parseOrigin } from './origin.js';

describe('parseOrigin', () => {
  it('splits scheme, host and a non-default port', () => {
    expect(parseOrigin('https://app.example.com')).toEqual({ scheme: 'https://', host: 'app.example.com', port: '', insecure: false, local: false, unparsed: false });
    expect(parseOrigin('https://app.example.com:8443')).toMatchObject({ host: 'app.example.com', port: ':8443', insecure: false });
    expect(parseOrigin('https://app.example.com:443')).toMatchObject({ port: '' });
  });

  it('flags http:// except on this machine', () => {
    expect(parseOrigin('http://dapp.example')).toMatchObject({ insecure: true, local: false });
    expect(parseOrigin('http://127.0.0.1:5173')).toMatchObject({ insecure: false, local: true, port: ':5173' });
    expect(parseOrigin('http://localhost:3000')).toMatchObject({ insecure: false, local: true });
    expect(parseOrigin('http://[::1]:3000')).toMatchObject({ insecure: false, local: true, host: '[::1]' });
    expect(parseOrigin('http://app.localhost')).toMatchObject({ insecure: false, local: true });
    expect(parseOrigin('http://127.0.0.1.evil.example')).toMatchObject({ insecure: true, local: false });
  });

  it('shows what does not parse as it came, flagged', () => {
    expect(parseOrigin('null')).toMatchObject({ host: 'null', unparsed: true, insecure: true });
    expect(parseOrigin('file:///tmp/x.html')).toMatchObject({ unparsed: true, insecure: true });
  });
});
