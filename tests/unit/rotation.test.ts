import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outcomeOf, refusalOf, type Lineage, type SessionFacts } from '../../server/src/services/sessions/rotation';

const live: SessionFacts = {
  revoked: false,
  predatesPasswordChange: false,
  expired: false,
  userDeleted: false,
  userBlocked: false,
  awaitingConfirmation: false,
  wrongSender: false,
};
const facts = fc.record<SessionFacts>({
  revoked: fc.boolean(),
  predatesPasswordChange: fc.boolean(),
  expired: fc.boolean(),
  userDeleted: fc.boolean(),
  userBlocked: fc.boolean(),
  awaitingConfirmation: fc.boolean(),
  wrongSender: fc.boolean(),
});

describe('the rotation decision (pure)', () => {
  it('a live session with a confirmed, unblocked user is not refused', () => {
    expect(refusalOf(live)).toBeNull();
  });

  it('each stored state is refused with its reason, and only a deleted user or a password change ends the session for good', () => {
    expect(refusalOf({ ...live, revoked: true })).toEqual({ action: 'refuse', reason: 'revoked' });
    expect(refusalOf({ ...live, predatesPasswordChange: true })).toEqual({
      action: 'refuse',
      reason: 'revoked',
      revoke: 'password-change',
    });
    expect(refusalOf({ ...live, expired: true })).toEqual({ action: 'refuse', reason: 'expired' });
    expect(refusalOf({ ...live, userDeleted: true })).toEqual({ action: 'refuse', reason: 'user', revoke: 'user-deleted' });
    expect(refusalOf({ ...live, userBlocked: true })).toEqual({ action: 'refuse', reason: 'user' });
    expect(refusalOf({ ...live, awaitingConfirmation: true })).toEqual({ action: 'refuse', reason: 'user' });
  });

  it('a bound session asked without its key is refused as unbound and never revoked, before any lineage is judged', () => {
    expect(refusalOf({ ...live, wrongSender: true })).toEqual({ action: 'refuse', reason: 'unbound' });
    fc.assert(
      fc.property(facts, (f) => {
        const outcome = refusalOf({ ...f, wrongSender: true });
        expect(outcome).not.toBeNull();
        if (outcome?.reason === 'unbound') expect(outcome.revoke).toBeUndefined();
      })
    );
  });

  it('any broken fact refuses, whatever else holds', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const broken = Object.values(f).some(Boolean);
        expect(refusalOf(f) !== null).toBe(broken);
      })
    );
  });

  it('the live token rotates; the previous one is reissued only within the grace period; older ones are reuse; unknown ones change nothing', () => {
    expect(outcomeOf('current', false)).toEqual({ action: 'rotate' });
    expect(outcomeOf('previous', true)).toEqual({ action: 'reissue' });
    expect(outcomeOf('previous', false)).toEqual({ action: 'revoke-for-reuse' });
    expect(outcomeOf('earlier', true)).toEqual({ action: 'revoke-for-reuse' });
    expect(outcomeOf('unknown', true)).toEqual({ action: 'ignore' });
  });

  it('only a token the session really issued can ever revoke it', () => {
    fc.assert(
      fc.property(fc.constantFrom<Lineage>('current', 'previous', 'earlier', 'unknown'), fc.boolean(), (lineage, inGrace) => {
        const { action } = outcomeOf(lineage, inGrace);
        if (action === 'revoke-for-reuse') expect(['previous', 'earlier']).toContain(lineage);
        if (lineage === 'unknown') expect(action).toBe('ignore');
      })
    );
  });

  it("under 'required' an unbound session issues nothing (a proof binds nothing now), yet its old tokens are still reuse", () => {
    expect(outcomeOf('current', false, true)).toEqual({ action: 'refuse', reason: 'unbound' });
    expect(outcomeOf('previous', true, true)).toEqual({ action: 'refuse', reason: 'unbound' });
    fc.assert(
      fc.property(fc.constantFrom<Lineage>('current', 'previous', 'earlier', 'unknown'), fc.boolean(), (lineage, inGrace) => {
        const required = outcomeOf(lineage, inGrace, true);
        const plain = outcomeOf(lineage, inGrace);
        if (plain.action === 'rotate' || plain.action === 'reissue') expect(required.action).toBe('refuse');
        else expect(required).toEqual(plain);
      })
    );
  });
});
