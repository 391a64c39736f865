import { expect } from 'chai';
import {
  defineProcessor, isPermanentJobError, isProcessorDefinition, isRetryLaterError,
  PermanentJobError, RetryLaterError, PERMANENT_FAILURE_CODE,
} from '../src/index.js';

describe('sdk', () => {
  it('recognises errors by code, so a second copy of the SDK still works', () => {
    const foreign = Object.assign(new Error('from another copy'), { code: PERMANENT_FAILURE_CODE });
    expect(isPermanentJobError(foreign)).to.equal(true);
    expect(isPermanentJobError(new PermanentJobError('x'))).to.equal(true);
    expect(isPermanentJobError(new Error('plain'))).to.equal(false);
    const later = new RetryLaterError('busy', { retryAfterMs: 1500 });
    expect(isRetryLaterError(later)).to.equal(true);
    expect(later.retryAfterMs).to.equal(1500);
  });

  it('brands definitions with a string, not a class', () => {
    const def = defineProcessor({ type: 'noop', process: () => 'ok' });
    expect(isProcessorDefinition(def)).to.equal(true);
    expect(isProcessorDefinition({ ...def })).to.equal(true);
    expect(isProcessorDefinition({ type: 'noop', process: () => 1 })).to.equal(false);
    expect(() => defineProcessor({ type: '', process: () => 1 })).to.throw(/type/);
  });
});
