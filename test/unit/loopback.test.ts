/** The start line warns about an open read API only for hosts other machines can reach. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback } from '../../cli/bridge.js';

describe('isLoopback', () => {
  it('knows which hosts only this machine reaches', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.equal(isLoopback(h), true, h);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', 'example.internal', '127.0.0.1.nip']) {
      assert.equal(isLoopback(h), false, h);
    }
  });
});
